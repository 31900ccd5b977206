/**
 * Reference softmax cross-entropy with label smoothing ε (PyTorch's F.cross_entropy, mean over the
 * batch): target q = (1 − ε)·onehot + ε/K, loss = −Σ_k q_k log p_k, dlogits = (p − q) / N.
 */
import type { CrossEntropyResult } from '../backend.js';
import { Tensor } from '../../tensor/tensor.js';
export declare function crossEntropy(logits: Tensor, labels: Int32Array, labelSmoothing: number): CrossEntropyResult;
