import { createJsBackend } from './js/index.js';
import { createMetaBackend } from './meta.js';
import { createNativeBackend } from './native/kernels.js';
import { UserError } from '../errors.js';
const factories = new Map([
    ['js', createJsBackend],
    ['native', createNativeBackend],
    ['meta', createMetaBackend],
]);
const instances = new Map();
let current = 'js';
export function registerBackend(name, factory) {
    factories.set(name, factory);
    instances.delete(name);
}
export function listBackends() {
    return [...factories.keys()].filter((name) => name !== 'meta');
}
function instantiate(name) {
    let backend = instances.get(name);
    if (backend === undefined) {
        const factory = factories.get(name);
        if (factory === undefined) {
            throw new UserError(`Unknown backend '${name}' (available: ${listBackends().join(', ')}).`);
        }
        backend = factory();
        instances.set(name, backend);
    }
    return backend;
}
export function getBackend() {
    return instantiate(current);
}
export function setBackend(name) {
    instantiate(name);
    current = name;
}
/** Runs fn with ops dispatching to the named backend, then restores the previous one. */
export function withBackend(name, fn) {
    const previous = current;
    setBackend(name);
    try {
        return fn();
    }
    finally {
        current = previous;
    }
}
//# sourceMappingURL=registry.js.map