/** Faster R-CNN R50-FPN (torchvision v1 and v2) and its parts. */
export { BackboneWithFPN, FasterRCNN, fasterrcnnResnet50Fpn, fasterrcnnResnet50FpnV2, } from './faster_rcnn.js';
export { FeaturePyramidNetwork, upsampleNearest } from './fpn.js';
export { FrozenBatchNorm2d, freezeBatchNorm } from './layers.js';
export { RegionProposalNetwork, RPNHead } from './rpn.js';
export { FastRCNNPredictor, fastRcnnConvFcHead, RoIHeads, TwoMLPHead, } from './roi_heads.js';
export { GeneralizedRCNNTransform, imageToTensor, resizeBilinear, resizeBoxes, resizedSize, } from './transform.js';
//# sourceMappingURL=index.js.map