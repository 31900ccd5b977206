/** The reference backend: every kernel in plain TypeScript, registered in one explicit list. */
import type { Backend } from '../backend.js';
export declare function createJsBackend(): Backend;
