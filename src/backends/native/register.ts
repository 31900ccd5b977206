/**
 * Registers the native engine (kernels and plan executor) under the name 'native'. Importing this
 * module is the registration: Node's runner (tasks/runner.ts) and everything that resolves a backend
 * in Node import it; the registry itself stays free of Node modules for the browser. Registering
 * loads nothing: the addon is opened when the backend is first used.
 */
import { registerBackend } from '../registry.js';
import { nativeExecutor } from './executor.js';
import { createNativeBackend } from './kernels.js';

registerBackend('native', createNativeBackend, nativeExecutor);
