/**
 * torchvision's GeneralizedRCNNTransform (eval): each image to float [0, 1], normalized with the
 * ImageNet mean/std, resized so its short side is `minSize` unless the long side would pass
 * `maxSize` (torch.nn.functional.interpolate, bilinear, align_corners=False,
 * recompute_scale_factor=True; not PIL's resize), then batched with zero padding to a multiple of
 * `sizeDivisible`. Detections go back to original pixels with `resizeBoxes`.
 */
import { ShapeError } from '../../errors.js';
import { formatShape, Tensor } from '../../tensor/tensor.js';
import { resizeBilinear } from '../../data/interpolate.js';
export { resizeBilinear };
const f32 = Math.fround;
/** An 8-bit RGB image as a (3, H, W) float tensor in [0, 1], like torchvision's to_tensor. */
export function imageToTensor(img) {
    const { width: W, height: H, data } = img;
    const out = new Float32Array(3 * H * W);
    for (let i = 0; i < H * W; i++) {
        for (let c = 0; c < 3; c++)
            out[c * H * W + i] = data[i * 3 + c] / 255;
    }
    return new Tensor(out, [3, H, W]);
}
/** The resized size of an H×W image: torchvision's scale (in float32), then floor(size · scale). */
export function resizedSize(H, W, minSize, maxSize) {
    const scale = Math.min(f32(minSize / Math.min(H, W)), f32(maxSize / Math.max(H, W)));
    return [Math.floor(H * scale), Math.floor(W * scale)];
}
export class GeneralizedRCNNTransform {
    minSize;
    maxSize;
    imageMean;
    imageStd;
    sizeDivisible;
    constructor(options = {}) {
        this.minSize = options.minSize ?? 800;
        this.maxSize = options.maxSize ?? 1333;
        this.imageMean = options.imageMean ?? [0.485, 0.456, 0.406];
        this.imageStd = options.imageStd ?? [0.229, 0.224, 0.225];
        this.sizeDivisible = options.sizeDivisible ?? 32;
    }
    /** (x − mean) / std per channel, in float32 as torch computes it, for x (3, H, W). */
    normalize(x) {
        const [C, H, W] = x.shape;
        const out = new Float32Array(x.size);
        for (let c = 0; c < C; c++) {
            const mean = f32(this.imageMean[c]);
            const std = f32(this.imageStd[c]);
            for (let i = c * H * W; i < (c + 1) * H * W; i++)
                out[i] = f32(f32(x.data[i] - mean) / std);
        }
        return new Tensor(out, x.shape);
    }
    /** Normalized, resized and padded batch of (3, H, W) float images in [0, 1]. */
    apply(images) {
        if (images.length === 0)
            throw new ShapeError('Detection needs at least one image.');
        const resized = images.map((img) => {
            if (img.rank !== 3 || img.shape[0] !== 3) {
                throw new ShapeError(`Detection expects images of shape [3, H, W], got ${formatShape(img.shape)}.`);
            }
            const [, H, W] = img.shape;
            const [h, w] = resizedSize(H, W, this.minSize, this.maxSize);
            return resizeBilinear(this.normalize(img), h, w);
        });
        const stride = this.sizeDivisible;
        const maxH = Math.ceil(Math.max(...resized.map((t) => t.shape[1])) / stride) * stride;
        const maxW = Math.ceil(Math.max(...resized.map((t) => t.shape[2])) / stride) * stride;
        const batch = new Float32Array(images.length * 3 * maxH * maxW);
        resized.forEach((t, n) => {
            const [, h, w] = t.shape;
            for (let c = 0; c < 3; c++)
                for (let y = 0; y < h; y++) {
                    const from = (c * h + y) * w;
                    batch.set(t.data.subarray(from, from + w), ((n * 3 + c) * maxH + y) * maxW);
                }
        });
        return {
            tensor: new Tensor(batch, [images.length, 3, maxH, maxW]),
            imageSizes: resized.map((t) => [t.shape[1], t.shape[2]]),
            originalSizes: images.map((t) => [t.shape[1], t.shape[2]]),
        };
    }
}
/** Boxes (x0, y0, x1, y1)·K of a `from`-sized image, scaled to a `to`-sized one as torchvision does (float32 ratios). */
export function resizeBoxes(boxes, from, to) {
    const ratioH = f32(to[0] / from[0]);
    const ratioW = f32(to[1] / from[1]);
    const out = new Float32Array(boxes.length);
    for (let i = 0; i < boxes.length; i += 4) {
        out[i] = boxes[i] * ratioW;
        out[i + 1] = boxes[i + 1] * ratioH;
        out[i + 2] = boxes[i + 2] * ratioW;
        out[i + 3] = boxes[i + 3] * ratioH;
    }
    return out;
}
//# sourceMappingURL=transform.js.map