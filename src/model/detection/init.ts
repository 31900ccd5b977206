/**
 * torchvision's random initialization of the Faster R-CNN parts an ImageNet backbone checkpoint does
 * not hold (what `fasterrcnn_resnet50_fpn(weights=None, weights_backbone=...)` starts from), drawn
 * from a seeded Rng: the distributions are torchvision's, the values are not torch's.
 *
 *   backbone.fpn convs        kaiming_uniform_(a=1): U(±√(3 / fan_in)), bias 0  (feature_pyramid_network.py)
 *   rpn.head convs            normal(0, 0.01), bias 0                            (rpn.py RPNHead)
 *   v2 box head convs         kaiming_normal_(fan_out, relu), no bias            (FastRCNNConvFCHead)
 *   box head / predictor fc   PyTorch's Linear default: U(±1 / √fan_in) for weight and bias
 *   batch norms (v2)          weight 1, bias 0, running mean 0, var 1 (as constructed)
 */
import { fans, fill, kaimingNormalFanOut, uniform } from '../../nn/init.js';
import { Conv2d, Linear } from '../../nn/layers.js';
import type { Module } from '../../nn/module.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { FasterRCNN } from './faster_rcnn.js';

function normal(t: Tensor, std: number, rng: Rng): void {
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal() * std;
}

function initConvs(root: Module, weight: (w: Tensor) => void): void {
  for (const [, m] of root.namedModules()) {
    if (!(m instanceof Conv2d)) continue;
    weight(m.weight);
    if (m.bias !== null) fill(m.bias, 0);
  }
}

function initLinears(root: Module, rng: Rng): void {
  for (const [, m] of root.namedModules()) {
    if (!(m instanceof Linear)) continue;
    const bound = 1 / Math.sqrt(fans(m.weight).fanIn);
    uniform(m.weight, bound, rng);
    if (m.bias !== null) uniform(m.bias, bound, rng);
  }
}

/** Initializes the FPN, RPN head, box head and box predictor of `model` as torchvision does. */
export function initializeDetectionHeads(model: FasterRCNN, rng: Rng): void {
  initConvs(model.backbone.fpn, (w) => uniform(w, Math.sqrt(3 / fans(w).fanIn), rng));
  initConvs(model.rpn.head, (w) => normal(w, 0.01, rng));
  initConvs(model.roi_heads.box_head, (w) => kaimingNormalFanOut(w, rng));
  initLinears(model.roi_heads.box_head, rng);
  initLinears(model.roi_heads.box_predictor, rng);
}
