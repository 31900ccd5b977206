/**
 * Which backend ops dispatch to. Backends are created lazily on first use, so importing the package
 * has no side effects. The native engine registers itself here under the same kernel interface.
 */
import type { Backend } from './backend.js';
import { createJsBackend } from './js/index.js';
import { createMetaBackend } from './meta.js';
import { createNativeBackend } from './native/kernels.js';
import { UserError } from '../errors.js';

const factories = new Map<string, () => Backend>([
  ['js', createJsBackend],
  ['native', createNativeBackend],
  ['meta', createMetaBackend],
]);
const instances = new Map<string, Backend>();
let current = 'js';

export function registerBackend(name: string, factory: () => Backend): void {
  factories.set(name, factory);
  instances.delete(name);
}

export function listBackends(): string[] {
  return [...factories.keys()].filter((name) => name !== 'meta');
}

function instantiate(name: string): Backend {
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

export function getBackend(): Backend {
  return instantiate(current);
}

export function setBackend(name: string): void {
  instantiate(name);
  current = name;
}

/** Runs fn with ops dispatching to the named backend, then restores the previous one. */
export function withBackend<T>(name: string, fn: () => T): T {
  const previous = current;
  setBackend(name);
  try {
    return fn();
  } finally {
    current = previous;
  }
}
