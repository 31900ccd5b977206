import { type ResNet } from '../../model/resnet.js';
import { Tensor } from '../../tensor/tensor.js';
import { type FileTensor, type NativeOp } from './addon.js';
import type { SafetensorsEntry } from '../../io/weights/index.js';
/** What a compiled plan returns: the model's output, or a stage's feature maps. */
export type PlanOutput = 'output' | 'pool' | 'stem' | 'layer1' | 'layer2' | 'layer3' | 'layer4';
/** The outputs a plan can return besides its last one: the stem and the stages. */
export type FeatureStage = 'stem' | 'layer1' | 'layer2' | 'layer3' | 'layer4';
/** Where the plan builder takes a parameter's values from: the module's tensor, or a file. */
export type WeightSource = (key: string, tensor: Tensor) => Float32Array | FileTensor;
/**
 * Reads parameters straight from an all-F32 safetensors file (see indexWeightsFile), tensor by tensor
 * inside the engine, so the model's own tensors are never filled and never cost memory.
 */
export declare function fromSafetensors(file: string, index: ReadonlyMap<string, SafetensorsEntry>): WeightSource;
export declare class NativeResNet {
    private readonly model;
    private readonly source;
    private readonly plans;
    private readonly featurePlans;
    constructor(model: ResNet, source?: WeightSource);
    /** Same result as `model.call(x)`, computed by the native engine without blocking the event loop. */
    forward(x: Tensor): Promise<Tensor>;
    features(x: Tensor, layer: Exclude<PlanOutput, 'output'>): Promise<Tensor>;
    /**
     * Several stages' feature maps (N,C,H,W) from one pass, in the order asked (e.g. layer1..layer4
     * for a feature pyramid); the plan for each list of stages is compiled once.
     */
    featureMaps(x: Tensor, layers: readonly FeatureStage[]): Promise<Tensor[]>;
    /** Bytes of packed weights held by the compiled plans. */
    weightBytes(): number;
    private run;
    private plan;
    private compile;
}
/**
 * The op list of a ResNet forward pass, ending at `output`. `alsoReturn` lists feature maps the plan
 * returns as well (in that order, before `output` unless it is one of them), e.g. a pyramid's levels.
 */
export declare function buildOps(model: ResNet, output: PlanOutput, source?: WeightSource, alsoReturn?: readonly FeatureStage[]): {
    ops: NativeOp[];
    outputs: number[];
};
