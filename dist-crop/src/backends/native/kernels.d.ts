/**
 * The native engine behind the kernel interface, used op by op (training, parity tests, odd uses;
 * inference of whole models goes through compiled plans, compile.ts). Convolutions and their
 * gradients are threaded GEMMs on NCHW data; batch norm (both modes and its gradient), ReLU, its
 * gradient, add, gradient accumulation and the SGD update are threaded loops; linear and its gradient are packed GEMMs; pools run
 * one-op plans. Cases the engine does not cover (grouped/dilated convs, non-global adaptive pools,
 * softmax, the zero-pad shortcut, the average-pool gradient, the loss) use the reference kernels; RoIAlign
 * is a threaded copy of the reference kernel.
 */
import type { Backend } from '../backend.js';
export declare function createNativeBackend(): Backend;
