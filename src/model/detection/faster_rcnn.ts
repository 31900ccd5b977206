/**
 * Faster R-CNN with a ResNet-50 FPN backbone, shaped like torchvision's `fasterrcnn_resnet50_fpn`
 * (v1, COCO box mAP 37.0) and `fasterrcnn_resnet50_fpn_v2` (v2, 46.7): attribute names are the
 * state-dict keys of torchvision 0.14 (`backbone.body.layer1.0.conv1.weight`,
 * `backbone.fpn.inner_blocks.0.0.weight`, `rpn.head.conv.0.0.weight`, `roi_heads.box_head.fc6.weight`),
 * so the COCO checkpoints load unchanged (after the key upgrades of io/weights/key_map.ts). Eval only.
 *
 *   image → transform (resize, normalize, pad) → backbone.body (ResNet-50: C2..C5)
 *         → backbone.fpn (P2..P6) → rpn (proposals) → roi_heads (boxes, scores, labels)
 *         → boxes scaled back to the original pixels
 */
import { AnchorGenerator } from '../../detection/anchors.js';
import { withBackend } from '../../backends/registry.js';
import { resnet50, type ResNet } from '../resnet.js';
import { Tensor } from '../../tensor/tensor.js';
import { FeaturePyramidNetwork } from './fpn.js';
import { Container, freezeBatchNorm } from './layers.js';
import { RegionProposalNetwork, RPNHead, type RpnOptions } from './rpn.js';
import {
  fastRcnnConvFcHead,
  FastRCNNPredictor,
  RoIHeads,
  TwoMLPHead,
  type ImageDetections,
  type RoIHeadsOptions,
} from './roi_heads.js';
import { GeneralizedRCNNTransform, resizeBoxes, type DetectionTransformOptions } from './transform.js';

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
  /**
   * v1's frozen batch norm eps: 0 (default) as torchvision sets for its COCO_V1 weights, 1e-5
   * (FrozenBatchNorm2d's own default) for a model built from ImageNet backbone weights.
   */
  frozenBatchNormEps?: number;
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
export class BackboneWithFPN extends Container {
  constructor(
    readonly body: ResNet,
    readonly fpn: FeaturePyramidNetwork,
  ) {
    super();
  }

  /** C2..C5 op by op on the current backend. */
  bodyFeatures(x: Tensor): Tensor[] {
    const f = this.body.forwardFeatures(x);
    return [f.layer1, f.layer2, f.layer3, f.layer4];
  }
}

export class FasterRCNN extends Container {
  readonly backbone: BackboneWithFPN;
  readonly rpn: RegionProposalNetwork;
  readonly roi_heads: RoIHeads;
  readonly transform: GeneralizedRCNNTransform;
  readonly version: FasterRCNNVersion;
  readonly numClasses: number;

  constructor(version: FasterRCNNVersion, options: FasterRCNNOptions = {}) {
    super();
    this.version = version;
    this.numClasses = options.numClasses ?? 91;
    const v2 = version === 'v2';
    const body = resnet50({ includeTop: false, pooling: 'none', init: 'none' });
    // v1 was trained with frozen BN, and torchvision sets its eps to 0 for the COCO_V1 weights.
    if (!v2) freezeBatchNorm(body, options.frozenBatchNormEps ?? 0);
    const fpn = new FeaturePyramidNetwork({ norm: v2 });
    this.backbone = new BackboneWithFPN(body, fpn);
    const anchors = new AnchorGenerator();
    this.rpn = new RegionProposalNetwork(
      new RPNHead(fpn.outChannels, anchors.numAnchorsPerLocation()[0], v2 ? 2 : 1),
      anchors,
      {
        preNmsTopN: options.rpnPreNmsTopN,
        postNmsTopN: options.rpnPostNmsTopN,
        nmsThresh: options.rpnNmsThresh,
        scoreThresh: options.rpnScoreThresh,
        minSize: options.rpnMinSize,
      } satisfies RpnOptions,
    );
    const resolution = 7;
    const boxHead = v2
      ? fastRcnnConvFcHead(fpn.outChannels, resolution, [256, 256, 256, 256], [1024])
      : new TwoMLPHead(fpn.outChannels * resolution * resolution, 1024);
    this.roi_heads = new RoIHeads(boxHead, new FastRCNNPredictor(1024, this.numClasses), {
      scoreThresh: options.boxScoreThresh,
      nmsThresh: options.boxNmsThresh,
      detectionsPerImg: options.detectionsPerImg,
      poolSize: resolution,
    } satisfies RoIHeadsOptions);
    this.transform = new GeneralizedRCNNTransform(options);
  }

  /** Detections for (3, H, W) float images in [0, 1] (see imageToTensor), boxes in their pixels. */
  async detect(images: readonly Tensor[], options: DetectOptions = {}): Promise<FasterRCNNOutput> {
    const batch = this.transform.apply(images);
    const c = await (options.body ?? (async (x: Tensor) => this.backbone.bodyFeatures(x)))(batch.tensor);
    const rest = (): FasterRCNNOutput => {
      const p = this.backbone.fpn.run(c);
      const [, , H, W] = batch.tensor.shape;
      const proposals = this.rpn.run(p, [H, W], batch.imageSizes);
      const boxes = proposals.map((x) => x.boxes);
      const detections = this.roi_heads.run(p.slice(0, 4), boxes, batch.imageSizes);
      return {
        detections: detections.map((d, i) => ({
          ...d,
          boxes: resizeBoxes(d.boxes, batch.imageSizes[i], batch.originalSizes[i]),
        })),
        proposals: boxes,
        batchShape: batch.tensor.shape,
        imageSizes: batch.imageSizes,
      };
    };
    return options.backend === undefined ? rest() : withBackend(options.backend, rest);
  }
}

/** torchvision's `fasterrcnn_resnet50_fpn` as built for its COCO_V1 weights (frozen BN with eps 0). */
export function fasterrcnnResnet50Fpn(options: FasterRCNNOptions = {}): FasterRCNN {
  return new FasterRCNN('v1', options);
}

/** torchvision's `fasterrcnn_resnet50_fpn_v2`: BN in backbone, FPN and box head; two RPN convs. */
export function fasterrcnnResnet50FpnV2(options: FasterRCNNOptions = {}): FasterRCNN {
  return new FasterRCNN('v2', options);
}
