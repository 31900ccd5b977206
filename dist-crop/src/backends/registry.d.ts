/**
 * Which backend ops dispatch to. Backends are created lazily on first use, so importing the package
 * has no side effects. The native engine registers itself here under the same kernel interface.
 */
import type { Backend } from './backend.js';
export declare function registerBackend(name: string, factory: () => Backend): void;
export declare function listBackends(): string[];
export declare function getBackend(): Backend;
export declare function setBackend(name: string): void;
/** Runs fn with ops dispatching to the named backend, then restores the previous one. */
export declare function withBackend<T>(name: string, fn: () => T): T;
