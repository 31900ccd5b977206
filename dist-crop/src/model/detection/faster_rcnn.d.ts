import { type ResNet } from '../resnet.js';
import { Tensor } from '../../tensor/tensor.js';
import { FeaturePyramidNetwork } from './fpn.js';
import { Container } from './layers.js';
import { RegionProposalNetwork } from './rpn.js';
import { RoIHeads, type ImageDetections } from './roi_heads.js';
import { GeneralizedRCNNTransform, type DetectionTransformOptions } from './transform.js';
export type FasterRCNNVersion = 'v1' | 'v2';
/** torchvision's FasterRCNN keyword arguments that matter in eval, in camelCase. */
export interface FasterRCNNOptions extends DetectionTransformOptions {
    /** Classes including background (default 91, COCO). */
    numClasses?: number;
    rpnPreNmsTopN?: number;
    rpnPostNmsTopN?: number;
    rpnNmsThresh?: number;
    rpnScoreThresh?: number;
    /** Minimum proposal side (torchvision's RPN min_size, 1e-3); the image's short side is `minSize`. */
    rpnMinSize?: number;
    boxScoreThresh?: number;
    boxNmsThresh?: number;
    detectionsPerImg?: number;
}
/** Computes C2..C5 of a padded batch; the default runs the body's modules op by op. */
export type BodyRunner = (x: Tensor) => Promise<Tensor[]>;
export interface DetectOptions {
    /** Runs the ResNet body, e.g. a compiled native plan (see tasks/detect.ts). */
    body?: BodyRunner;
    /** Backend for the FPN, RPN and box head (default: the current one). */
    backend?: string;
}
/** Everything one call computes: detections in original pixels, plus the intermediate proposals. */
export interface FasterRCNNOutput {
    detections: ImageDetections[];
    /** RPN proposals per image, best first, in resized-image pixels (as torchvision's rpn returns them). */
    proposals: Float32Array[];
    /** The padded batch's shape and each image's resized [h, w]. */
    batchShape: readonly number[];
    imageSizes: [number, number][];
}
/** ResNet body (C2..C5) + feature pyramid (P2..P6), torchvision's BackboneWithFPN. */
export declare class BackboneWithFPN extends Container {
    readonly body: ResNet;
    readonly fpn: FeaturePyramidNetwork;
    constructor(body: ResNet, fpn: FeaturePyramidNetwork);
    /** C2..C5 op by op on the current backend. */
    bodyFeatures(x: Tensor): Tensor[];
}
export declare class FasterRCNN extends Container {
    readonly backbone: BackboneWithFPN;
    readonly rpn: RegionProposalNetwork;
    readonly roi_heads: RoIHeads;
    readonly transform: GeneralizedRCNNTransform;
    readonly version: FasterRCNNVersion;
    readonly numClasses: number;
    constructor(version: FasterRCNNVersion, options?: FasterRCNNOptions);
    /** Detections for (3, H, W) float images in [0, 1] (see imageToTensor), boxes in their pixels. */
    detect(images: readonly Tensor[], options?: DetectOptions): Promise<FasterRCNNOutput>;
}
/** torchvision's `fasterrcnn_resnet50_fpn` as built for its COCO_V1 weights (frozen BN with eps 0). */
export declare function fasterrcnnResnet50Fpn(options?: FasterRCNNOptions): FasterRCNN;
/** torchvision's `fasterrcnn_resnet50_fpn_v2`: BN in backbone, FPN and box head; two RPN convs. */
export declare function fasterrcnnResnet50FpnV2(options?: FasterRCNNOptions): FasterRCNN;
