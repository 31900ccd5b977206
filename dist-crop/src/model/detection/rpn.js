import { batchedNms, BoxCoder, clipBoxesToImage, removeSmallBoxes } from '../../detection/box_ops.js';
import { Conv2d } from '../../nn/layers.js';
import { Sequential } from '../../nn/module.js';
import { Container, conv2dNormActivation } from './layers.js';
/** Shared 3×3 conv(s) + ReLU, then a 1×1 objectness conv (A outputs) and a 1×1 box conv (4A). */
export class RPNHead extends Container {
    conv;
    cls_logits;
    bbox_pred;
    /** convDepth 1 for v1, 2 for v2. */
    constructor(inChannels, numAnchors, convDepth = 1) {
        super();
        this.conv = new Sequential(...Array.from({ length: convDepth }, () => conv2dNormActivation(inChannels, inChannels, 3, { norm: false, relu: true })));
        this.cls_logits = new Conv2d(inChannels, numAnchors, 1, { bias: true });
        this.bbox_pred = new Conv2d(inChannels, numAnchors * 4, 1, { bias: true });
    }
    /** Per level: objectness (N, A, H, W) and deltas (N, 4A, H, W). */
    run(features) {
        const objectness = [];
        const deltas = [];
        for (const feature of features) {
            const t = this.conv.call(feature);
            objectness.push(this.cls_logits.call(t));
            deltas.push(this.bbox_pred.call(t));
        }
        return { objectness, deltas };
    }
}
/**
 * Rows (h, w, a) of one image's level, as torchvision's permute_and_flatten: from (A·C, H, W) planes
 * (C values per anchor) to (H·W·A, C).
 */
function anchorsLast(t, image, C) {
    const [, AC, H, W] = t.shape;
    const A = AC / C;
    const plane = H * W;
    const src = t.data.subarray(image * AC * plane, (image + 1) * AC * plane);
    const out = new Float32Array(AC * plane);
    for (let a = 0; a < A; a++)
        for (let c = 0; c < C; c++) {
            const from = (a * C + c) * plane;
            for (let p = 0; p < plane; p++)
                out[(p * A + a) * C + c] = src[from + p];
        }
    return out;
}
/** Indices of the k largest values, largest first (torch.topk, sorted). */
function topK(values, k) {
    const order = Int32Array.from({ length: values.length }, (_, i) => i);
    order.sort((i, j) => values[j] - values[i] || i - j);
    return order.subarray(0, Math.min(k, values.length));
}
export class RegionProposalNetwork extends Container {
    head;
    anchorGenerator;
    boxCoder = new BoxCoder([1, 1, 1, 1]);
    options;
    constructor(head, anchorGenerator, options = {}) {
        super();
        this.head = head;
        this.anchorGenerator = anchorGenerator;
        this.options = {
            preNmsTopN: options.preNmsTopN ?? 1000,
            postNmsTopN: options.postNmsTopN ?? 1000,
            nmsThresh: options.nmsThresh ?? 0.7,
            scoreThresh: options.scoreThresh ?? 0,
            minSize: options.minSize ?? 1e-3,
        };
    }
    /**
     * Proposals per image from the pyramid levels (N, 256, h, w). `batchSize` is the padded batch's
     * [H, W] (the anchors' frame), `imageSizes` each image's resized [h, w] (the clip bounds).
     */
    run(features, batchSize, imageSizes) {
        const { objectness, deltas } = this.head.run(features);
        const anchors = this.anchorGenerator.gridAnchors(batchSize[0], batchSize[1], features.map((f) => [f.shape[2], f.shape[3]]));
        const { preNmsTopN, postNmsTopN, nmsThresh, scoreThresh, minSize } = this.options;
        return imageSizes.map(([height, width], image) => {
            const boxes = [];
            const scores = [];
            const levels = [];
            objectness.forEach((levelScores, level) => {
                const logits = anchorsLast(levelScores, image, 1);
                const top = topK(logits, preNmsTopN);
                const codes = anchorsLast(deltas[level], image, 4);
                const topCodes = new Float32Array(top.length * 4);
                const topAnchors = new Float32Array(top.length * 4);
                top.forEach((i, k) => {
                    topCodes.set(codes.subarray(4 * i, 4 * i + 4), 4 * k);
                    topAnchors.set(anchors[level].subarray(4 * i, 4 * i + 4), 4 * k);
                });
                boxes.push(...this.boxCoder.decode(topCodes, topAnchors, 1));
                for (const i of top) {
                    scores.push(Math.fround(1 / (1 + Math.exp(-logits[i]))));
                    levels.push(level);
                }
            });
            const clipped = clipBoxesToImage(Float32Array.from(boxes), height, width);
            const s = Float32Array.from(scores);
            const big = removeSmallBoxes(clipped, minSize).filter((i) => s[i] >= scoreThresh);
            const [b1, s1, l1] = gather(clipped, s, Int32Array.from(levels), big);
            const [b2, s2] = gather(b1, s1, l1, batchedNms(b1, s1, l1, nmsThresh).subarray(0, postNmsTopN));
            return { boxes: b2, scores: s2 };
        });
    }
}
/** Rows `keep` of boxes (4 per row), scores and groups. */
export function gather(boxes, scores, groups, keep) {
    const b = new Float32Array(keep.length * 4);
    keep.forEach((i, k) => b.set(boxes.subarray(4 * i, 4 * i + 4), 4 * k));
    return [b, Float32Array.from(keep, (i) => scores[i]), Int32Array.from(keep, (i) => groups[i])];
}
//# sourceMappingURL=rpn.js.map