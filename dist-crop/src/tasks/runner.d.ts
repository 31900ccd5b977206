import { type WeightSource } from '../backends/native/compile.js';
import type { ResNet, ResNetFeatures } from '../model/resnet.js';
import type { Tensor } from '../tensor/tensor.js';
export type BackendName = 'native' | 'js';
export type FeatureName = Exclude<keyof ResNetFeatures, never>;
export interface Runner {
    readonly backend: BackendName;
    /** The model's output (logits, pooled features or layer4 maps). */
    forward(x: Tensor): Promise<Tensor>;
    /** One intermediate output: stem, layer1..layer4 (N,C,H,W) or pool (N,C). */
    features(x: Tensor, name: FeatureName): Promise<Tensor>;
}
/** `requested` (flag or API), else $RESNET50_BACKEND, else native if it loaded, else js. */
export declare function resolveBackend(requested?: string): BackendName;
/** `source` lets the native engine read parameters from a file instead of the model (see loadRunner). */
export declare function createRunner(model: ResNet, backend?: string, source?: WeightSource): Runner;
