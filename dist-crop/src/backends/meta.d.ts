/**
 * Shape-only backend: every kernel returns a zero tensor of the right output shape without computing.
 * Used by `summary` to walk a model at any input size instantly.
 */
import type { Backend } from './backend.js';
export declare function createMetaBackend(): Backend;
