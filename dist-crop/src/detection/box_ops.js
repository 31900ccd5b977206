/**
 * Box utilities of torchvision 0.14 (ops/boxes.py, models/detection/_utils.py BoxCoder) on flat
 * Float32Arrays: boxes are N rows of (x0, y0, x1, y1). torch computes all of this in float32, so
 * every intermediate is rounded with Math.fround where torch would round it; indices (NMS keeps,
 * small-box filters) then come out identical, not merely close.
 */
import { ShapeError, UserError } from '../errors.js';
import { expf } from './torch_math.js';
import { argsortDescendingStable, argsortDescendingUnstable } from './torch_sort.js';
const f = Math.fround;
function boxCount(op, name, boxes) {
    if (boxes.length % 4 !== 0) {
        throw new ShapeError(`${op}: ${name} must hold 4 values per box, got ${boxes.length} values.`);
    }
    return boxes.length / 4;
}
function expectLength(op, name, values, length) {
    if (values.length !== length) {
        throw new ShapeError(`${op}: ${name} must have ${length} values (one per box), got ${values.length}.`);
    }
}
/** (x1 − x0)·(y1 − y0) per box, in float32. */
export function boxArea(boxes) {
    const n = boxCount('boxArea', 'boxes', boxes);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
        out[i] = f(boxes[4 * i + 2] - boxes[4 * i]) * f(boxes[4 * i + 3] - boxes[4 * i + 1]);
    }
    return out;
}
/** Pairwise intersection over union, (NA, NB) row-major, with torchvision's float32 rounding. */
export function boxIou(a, b) {
    const na = boxCount('boxIou', 'first boxes', a);
    const nb = boxCount('boxIou', 'second boxes', b);
    const areaA = boxArea(a);
    const areaB = boxArea(b);
    const out = new Float32Array(na * nb);
    for (let i = 0; i < na; i++) {
        for (let j = 0; j < nb; j++) {
            const w = Math.max(f(Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j])), 0);
            const h = Math.max(f(Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1])), 0);
            const inter = f(w * h);
            out[i * nb + j] = inter / f(f(areaA[i] + areaB[j]) - inter);
        }
    }
    return out;
}
/**
 * torchvision's CPU nms kernel: visit boxes by decreasing score (stable for ties), keep a box unless
 * an already kept box overlaps it with IoU > threshold. With `groups`, only boxes of the same group
 * suppress each other, which is exactly running the kernel once per group. Returns the kept indices
 * in visiting order.
 */
function nmsKernel(boxes, scores, iouThreshold, groups) {
    const n = scores.length;
    const areas = boxArea(boxes);
    const order = argsortDescendingStable(scores);
    const suppressed = new Uint8Array(n);
    const keep = [];
    for (let oi = 0; oi < n; oi++) {
        const i = order[oi];
        if (suppressed[i] === 1)
            continue;
        keep.push(i);
        const [ix0, iy0, ix1, iy1] = [boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]];
        for (let oj = oi + 1; oj < n; oj++) {
            const j = order[oj];
            if (suppressed[j] === 1 || (groups !== null && groups[j] !== groups[i]))
                continue;
            const w = Math.max(0, f(Math.min(ix1, boxes[4 * j + 2]) - Math.max(ix0, boxes[4 * j])));
            const h = Math.max(0, f(Math.min(iy1, boxes[4 * j + 3]) - Math.max(iy0, boxes[4 * j + 1])));
            const inter = f(w * h);
            const iou = f(inter / f(f(areas[i] + areas[j]) - inter));
            if (iou > iouThreshold)
                suppressed[j] = 1;
        }
    }
    return Int32Array.from(keep);
}
/**
 * Non-maximum suppression as torchvision.ops.nms: indices of the kept boxes, by decreasing score;
 * a box is dropped when a higher-scoring kept box has IoU > iouThreshold with it.
 */
export function nms(boxes, scores, iouThreshold) {
    expectLength('nms', 'scores', scores, boxCount('nms', 'boxes', boxes));
    return nmsKernel(boxes, scores, iouThreshold, null);
}
/** torchvision 0.14 switches to per-class NMS above this many box coordinates on the CPU. */
const COORDINATE_TRICK_MAX_NUMEL = 4000;
/**
 * NMS within each group (class, FPN level) as torchvision.ops.batched_nms, by decreasing score.
 * Both of 0.14's CPU strategies are reproduced, since they can differ in the last bit and in the
 * order of tied scores: up to 4000 coordinates, boxes are shifted by group·(max coordinate + 1) in
 * float32 and go through one NMS; above, NMS runs per group and the kept indices are re-sorted by
 * score with torch's (unstable) default sort.
 */
export function batchedNms(boxes, scores, groups, iouThreshold) {
    const n = boxCount('batchedNms', 'boxes', boxes);
    expectLength('batchedNms', 'scores', scores, n);
    expectLength('batchedNms', 'groups', groups, n);
    if (n === 0)
        return new Int32Array(0);
    if (boxes.length > COORDINATE_TRICK_MAX_NUMEL) {
        const kept = nmsKernel(boxes, scores, iouThreshold, groups).sort(); // torch.where(keep_mask)
        const order = argsortDescendingUnstable(Float32Array.from(kept, (i) => scores[i]));
        return Int32Array.from(order, (k) => kept[k]);
    }
    let maxCoordinate = -Infinity;
    for (const v of boxes)
        maxCoordinate = Number.isNaN(v) || v > maxCoordinate ? v : maxCoordinate;
    const step = f(maxCoordinate + 1);
    const shifted = new Float32Array(boxes.length);
    for (let i = 0; i < n; i++) {
        const offset = f(groups[i] * step);
        for (let k = 0; k < 4; k++)
            shifted[4 * i + k] = boxes[4 * i + k] + offset;
    }
    return nmsKernel(shifted, scores, iouThreshold, null);
}
/** Boxes clamped to [0, width] × [0, height], as a new array. */
export function clipBoxesToImage(boxes, height, width) {
    boxCount('clipBoxesToImage', 'boxes', boxes);
    const out = new Float32Array(boxes.length);
    for (let i = 0; i < boxes.length; i += 2) {
        out[i] = Math.min(Math.max(boxes[i], 0), width);
        out[i + 1] = Math.min(Math.max(boxes[i + 1], 0), height);
    }
    return out;
}
/** Indices of the boxes whose width and height are both ≥ minSize (compared in float32). */
export function removeSmallBoxes(boxes, minSize) {
    const n = boxCount('removeSmallBoxes', 'boxes', boxes);
    const min = f(minSize);
    const keep = [];
    for (let i = 0; i < n; i++) {
        const w = f(boxes[4 * i + 2] - boxes[4 * i]);
        const h = f(boxes[4 * i + 3] - boxes[4 * i + 1]);
        if (w >= min && h >= min)
            keep.push(i);
    }
    return Int32Array.from(keep);
}
/**
 * torchvision's BoxCoder: box regression deltas (dx, dy, dw, dh) relative to reference boxes,
 * divided by `weights` (1, 1, 1, 1 for the RPN; 10, 10, 5, 5 for the box head). dw and dh are
 * clamped to `bboxXformClip` = log(1000/16) before exp, so no box grows beyond 62.5× its anchor.
 * exp is torch's own float32 exp (torch_math.ts), so decoded boxes are torchvision's to the bit.
 */
export class BoxCoder {
    weights;
    bboxXformClip;
    constructor(weights, bboxXformClip = Math.log(1000 / 16)) {
        if (weights.some((w) => !(w > 0) || !Number.isFinite(w))) {
            throw new UserError(`BoxCoder: weights must be positive and finite, got [${weights.join(', ')}].`);
        }
        this.weights = weights;
        this.bboxXformClip = bboxXformClip;
    }
    /**
     * relCodes has N rows of codesPerBox·4 deltas, boxes N rows of 4; returns N·codesPerBox boxes, row
     * n·codesPerBox + k decoded from delta group k of row n (torchvision's decode(...).reshape(N, -1, 4)).
     */
    decode(relCodes, boxes, codesPerBox) {
        const n = boxCount('BoxCoder.decode', 'boxes', boxes);
        if (!Number.isInteger(codesPerBox) || codesPerBox < 1) {
            throw new ShapeError(`BoxCoder.decode: codesPerBox must be a positive integer, got ${codesPerBox}.`);
        }
        if (relCodes.length !== n * codesPerBox * 4) {
            throw new ShapeError(`BoxCoder.decode: relCodes must have ${n}×${codesPerBox * 4} values for ${n} boxes, got ${relCodes.length}.`);
        }
        const [wx, wy, ww, wh] = this.weights.map(f);
        const clip = f(this.bboxXformClip);
        const out = new Float32Array(relCodes.length);
        for (let i = 0; i < n; i++) {
            const [x0, y0, x1, y1] = [boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]];
            const width = f(x1 - x0);
            const height = f(y1 - y0);
            const ctrX = f(x0 + f(0.5 * width));
            const ctrY = f(y0 + f(0.5 * height));
            for (let k = 0; k < codesPerBox; k++) {
                const c = 4 * (i * codesPerBox + k);
                const dx = f(relCodes[c] / wx);
                const dy = f(relCodes[c + 1] / wy);
                const dw = Math.min(f(relCodes[c + 2] / ww), clip);
                const dh = Math.min(f(relCodes[c + 3] / wh), clip);
                const predCtrX = f(f(dx * width) + ctrX);
                const predCtrY = f(f(dy * height) + ctrY);
                const halfW = f(0.5 * f(expf(dw) * width));
                const halfH = f(0.5 * f(expf(dh) * height));
                out[c] = predCtrX - halfW;
                out[c + 1] = predCtrY - halfH;
                out[c + 2] = predCtrX + halfW;
                out[c + 3] = predCtrY + halfH;
            }
        }
        return out;
    }
    /**
     * The regression targets that decode(targets, proposals, 1) would turn back into `reference`
     * (torchvision's encode_single): N rows of (dx, dy, dw, dh) for N reference/proposal pairs.
     */
    encode(reference, proposals) {
        const n = boxCount('BoxCoder.encode', 'reference boxes', reference);
        if (boxCount('BoxCoder.encode', 'proposals', proposals) !== n) {
            throw new ShapeError(`BoxCoder.encode: ${n} reference boxes but ${proposals.length / 4} proposals; they must pair up.`);
        }
        const [wx, wy, ww, wh] = this.weights.map(f);
        const out = new Float32Array(4 * n);
        for (let i = 0; i < n; i++) {
            const exW = f(proposals[4 * i + 2] - proposals[4 * i]);
            const exH = f(proposals[4 * i + 3] - proposals[4 * i + 1]);
            const exCtrX = f(proposals[4 * i] + f(0.5 * exW));
            const exCtrY = f(proposals[4 * i + 1] + f(0.5 * exH));
            const gtW = f(reference[4 * i + 2] - reference[4 * i]);
            const gtH = f(reference[4 * i + 3] - reference[4 * i + 1]);
            const gtCtrX = f(reference[4 * i] + f(0.5 * gtW));
            const gtCtrY = f(reference[4 * i + 1] + f(0.5 * gtH));
            out[4 * i] = f(wx * f(gtCtrX - exCtrX)) / exW;
            out[4 * i + 1] = f(wy * f(gtCtrY - exCtrY)) / exH;
            out[4 * i + 2] = ww * f(Math.log(f(gtW / exW)));
            out[4 * i + 3] = wh * f(Math.log(f(gtH / exH)));
        }
        return out;
    }
}
//# sourceMappingURL=box_ops.js.map