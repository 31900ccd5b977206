/**
 * The backends by name: each has kernels behind the Backend interface (what ops dispatch to, for
 * training and the op-by-op path) and, for fast inference, a plan executor. Backends are created
 * lazily on first use, so importing the package has no side effects.
 */
import type { Backend } from './backend.js';
import type { PlanExecutor } from '../plan/plan.js';
import { kernelExecutor } from './kernel_executor.js';
import { nativeExecutor } from './native/executor.js';
import { createJsBackend } from './js/index.js';
import { createMetaBackend } from './meta.js';
import { createNativeBackend } from './native/kernels.js';
import { createNodeWasmBackend, nodeWasmExecutor } from './wasm/node.js';
import { UserError } from '../errors.js';

const factories = new Map<string, () => Backend>([
  ['js', createJsBackend],
  ['native', createNativeBackend],
  ['wasm', createNodeWasmBackend],
  ['meta', createMetaBackend],
]);
const executors = new Map<string, PlanExecutor>([
  ['native', nativeExecutor],
  ['wasm', nodeWasmExecutor],
]);
const instances = new Map<string, Backend>();
let current = 'js';

/** Adds (or replaces) a backend: its kernels, and the executor that runs inference plans on it. */
export function registerBackend(name: string, factory: () => Backend, executor?: PlanExecutor): void {
  factories.set(name, factory);
  instances.delete(name);
  if (executor === undefined) executors.delete(name);
  else executors.set(name, executor);
}

/**
 * The plan executor of a backend: its own (native), else one that runs plans op by op on its kernels
 * (js: the reference executor, the oracle of the others).
 */
export function planExecutor(name: string): PlanExecutor {
  return executors.get(name) ?? kernelExecutor(instantiate(name));
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
