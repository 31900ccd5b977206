/** Faster R-CNN R50-FPN (torchvision v1 and v2) and its parts. */
export {
  BackboneWithFPN,
  FasterRCNN,
  fasterrcnnResnet50Fpn,
  fasterrcnnResnet50FpnV2,
  type BodyRunner,
  type DetectOptions,
  type FasterRCNNOptions,
  type FasterRCNNOutput,
  type FasterRCNNVersion,
} from './faster_rcnn.js';
export { FeaturePyramidNetwork, upsampleNearest, type FpnOptions } from './fpn.js';
export { initializeDetectionHeads } from './init.js';
export { FrozenBatchNorm2d, freezeBatchNorm } from './layers.js';
export { RegionProposalNetwork, RPNHead, type Proposals, type RpnOptions } from './rpn.js';
export {
  FastRCNNPredictor,
  fastRcnnConvFcHead,
  RoIHeads,
  TwoMLPHead,
  type ImageDetections,
  type RoIHeadsOptions,
} from './roi_heads.js';
export {
  GeneralizedRCNNTransform,
  imageToTensor,
  resizeBilinear,
  resizeBoxes,
  resizedSize,
  type DetectionTransformOptions,
  type ImageBatch,
} from './transform.js';
