/**
 * torchvision's RoIHeads for boxes (models/detection/roi_heads.py), eval mode: each proposal's 7×7
 * features are pooled from the pyramid (MultiScaleRoIAlign), turned into a 1024-vector by the box
 * head, and classified (91 COCO classes with background) and regressed per class by the predictor.
 * Postprocessing decodes one box per class, drops background, low scores and empty boxes, runs NMS
 * per class and keeps the best `detectionsPerImg`.
 *
 *   v1 box head: TwoMLPHead          flatten → fc6 (12544→1024) → ReLU → fc7 (1024→1024) → ReLU
 *   v2 box head: FastRCNNConvFCHead  4 × (3×3 conv → BN → ReLU) → flatten → fc (12544→1024) → ReLU
 */
import { batchedNms, BoxCoder, clipBoxesToImage, removeSmallBoxes } from '../../detection/box_ops.js';
import { multiScaleRoIAlign } from '../../detection/poolers.js';
import { Linear, ReLU } from '../../nn/layers.js';
import { Sequential } from '../../nn/module.js';
import { Tensor } from '../../tensor/tensor.js';
import { Container, conv2dNormActivation, Flatten } from './layers.js';
import { gather } from './rpn.js';
/** The v1 box head: two fully connected layers with ReLU. */
export class TwoMLPHead extends Container {
    fc6;
    fc7;
    relu = new ReLU();
    constructor(inChannels, representationSize) {
        super();
        this.fc6 = new Linear(inChannels, representationSize);
        this.fc7 = new Linear(representationSize, representationSize);
    }
    run(x) {
        const flat = x.reshape([x.shape[0], x.size / x.shape[0]]);
        return this.relu.call(this.fc7.call(this.relu.call(this.fc6.call(flat))));
    }
}
/** The v2 box head (FastRCNNConvFCHead): a Sequential whose keys are `0..3` (convs), `5` (fc). */
export function fastRcnnConvFcHead(inChannels, resolution, convLayers, fcLayers) {
    const blocks = [];
    let previous = inChannels;
    for (const channels of convLayers) {
        blocks.push(conv2dNormActivation(previous, channels, 3, { norm: true, relu: true }));
        previous = channels;
    }
    blocks.push(new Flatten());
    previous *= resolution * resolution;
    for (const features of fcLayers) {
        blocks.push(new Linear(previous, features), new ReLU());
        previous = features;
    }
    return new Sequential(...blocks);
}
/** Class scores (with background) and per-class box deltas. */
export class FastRCNNPredictor extends Container {
    cls_score;
    bbox_pred;
    constructor(inChannels, numClasses) {
        super();
        this.cls_score = new Linear(inChannels, numClasses);
        this.bbox_pred = new Linear(inChannels, numClasses * 4);
    }
    run(x) {
        return { classLogits: this.cls_score.call(x), boxRegression: this.bbox_pred.call(x) };
    }
}
export class RoIHeads extends Container {
    box_head;
    box_predictor;
    boxCoder = new BoxCoder([10, 10, 5, 5]);
    options;
    constructor(boxHead, boxPredictor, options = {}) {
        super();
        this.box_head = boxHead;
        this.box_predictor = boxPredictor;
        this.options = {
            scoreThresh: options.scoreThresh ?? 0.05,
            nmsThresh: options.nmsThresh ?? 0.5,
            detectionsPerImg: options.detectionsPerImg ?? 100,
            poolSize: options.poolSize ?? 7,
            samplingRatio: options.samplingRatio ?? 2,
        };
    }
    /** Detections per image, in resized-image pixels, from P2..P5 and each image's proposals. */
    run(features, proposals, imageSizes) {
        const pooled = multiScaleRoIAlign([...features], [...proposals], imageSizes.map(([h, w]) => [h, w]), this.options.poolSize, this.options.samplingRatio);
        const head = this.box_head;
        const x = byRows(pooled, ROI_CHUNK, (rois) => head instanceof TwoMLPHead ? head.run(rois) : head.call(rois));
        const { classLogits, boxRegression } = this.box_predictor.run(x);
        return this.postprocess(classLogits, boxRegression, proposals, imageSizes);
    }
    postprocess(classLogits, boxRegression, proposals, imageSizes) {
        const numClasses = classLogits.shape[1];
        const { scoreThresh, nmsThresh, detectionsPerImg } = this.options;
        let first = 0;
        return proposals.map((boxesIn, image) => {
            const K = boxesIn.length / 4;
            const rows = (t, width) => t.data.subarray(first * width, (first + K) * width);
            const decoded = this.boxCoder.decode(rows(boxRegression, numClasses * 4), boxesIn, numClasses);
            const probs = softmaxRows(rows(classLogits, numClasses), numClasses);
            first += K;
            const [height, width] = imageSizes[image];
            const clipped = clipBoxesToImage(decoded, height, width);
            // every (proposal, class ≥ 1) pair is a candidate, in torchvision's row-major order
            const candidates = [];
            for (let k = 0; k < K; k++)
                for (let c = 1; c < numClasses; c++)
                    if (probs[k * numClasses + c] > scoreThresh)
                        candidates.push(k * numClasses + c);
            const boxes = new Float32Array(candidates.length * 4);
            candidates.forEach((j, i) => boxes.set(clipped.subarray(4 * j, 4 * j + 4), 4 * i));
            const scores = Float32Array.from(candidates, (j) => probs[j]);
            const labels = Int32Array.from(candidates, (j) => j % numClasses);
            let [b, s, l] = gather(boxes, scores, labels, removeSmallBoxes(boxes, 1e-2));
            [b, s, l] = gather(b, s, l, batchedNms(b, s, l, nmsThresh).subarray(0, detectionsPerImg));
            return { boxes: b, scores: s, labels: l };
        });
    }
}
/** RoIs per pass through the box head: bounds the convolution workspace (v2's 3×3 convs over 7×7 maps). */
const ROI_CHUNK = 256;
/** fn over chunks of at most `rows` rows of x (the first axis), results concatenated (fn is row-independent). */
function byRows(x, rows, fn) {
    const K = x.shape[0];
    if (K <= rows)
        return fn(x);
    const per = x.size / K;
    const parts = [];
    for (let k = 0; k < K; k += rows) {
        const n = Math.min(rows, K - k);
        parts.push(fn(new Tensor(x.data.subarray(k * per, (k + n) * per), [n, ...x.shape.slice(1)])));
    }
    const width = parts[0].size / parts[0].shape[0];
    const out = new Float32Array(K * width);
    let offset = 0;
    for (const p of parts) {
        out.set(p.data, offset);
        offset += p.size;
    }
    return new Tensor(out, [K, width]);
}
/** Softmax of each row of `C` logits, in float32 (exp(x − max) / Σ). */
function softmaxRows(logits, C) {
    const out = new Float32Array(logits.length);
    for (let r = 0; r < logits.length; r += C) {
        let max = -Infinity;
        for (let c = 0; c < C; c++)
            max = Math.max(max, logits[r + c]);
        let sum = 0;
        for (let c = 0; c < C; c++) {
            out[r + c] = Math.exp(logits[r + c] - max);
            sum += out[r + c];
        }
        for (let c = 0; c < C; c++)
            out[r + c] = out[r + c] / sum;
    }
    return out;
}
//# sourceMappingURL=roi_heads.js.map