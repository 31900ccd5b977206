/**
 * torchvision's AnchorGenerator (models/detection/anchor_utils.py): per feature level, a set of
 * zero-centred cell anchors (every aspect ratio × every size, rounded to integers), replicated at
 * every feature-map location with the level's stride.
 */
import { ShapeError, UserError } from '../errors.js';
import { roundHalfEven } from './torch_math.js';
const f = Math.fround;
const FPN_SIZES = [[32], [64], [128], [256], [512]];
const FPN_ASPECT_RATIOS = Array.from({ length: 5 }, () => [0.5, 1.0, 2.0]);
export class AnchorGenerator {
    /** Anchor side lengths per level (for aspect ratio 1). */
    sizes;
    /** Height / width ratios per level. */
    aspectRatios;
    cells;
    /** Defaults are Faster R-CNN R50-FPN's: one size per level 32..512, ratios 0.5, 1, 2 everywhere. */
    constructor(sizes = FPN_SIZES, aspectRatios = FPN_ASPECT_RATIOS) {
        if (sizes.length !== aspectRatios.length) {
            throw new UserError(`AnchorGenerator: ${sizes.length} levels of sizes but ${aspectRatios.length} levels of aspect ratios.`);
        }
        this.sizes = sizes;
        this.aspectRatios = aspectRatios;
        this.cells = sizes.map((s, level) => generateAnchors(s, aspectRatios[level]));
    }
    /** Anchors per feature-map location, per level (sizes × aspect ratios). */
    numAnchorsPerLocation() {
        return this.sizes.map((s, level) => s.length * this.aspectRatios[level].length);
    }
    /**
     * The zero-centred anchors of each level, A rows of (x0, y0, x1, y1) ordered aspect-ratio-major
     * (row r·numSizes + s has ratio r and size s), as torchvision's cell_anchors.
     */
    cellAnchors() {
        return this.cells.map((c) => c.slice());
    }
    /**
     * Anchors of one image of the batch (all images share them), one array per level: for each
     * location, row-major over (y, x), all A cell anchors shifted by (x·strideW, y·strideH). The
     * strides are floor(padded image size / feature size) per axis, as in torchvision.
     * imageHeight/imageWidth are the padded batch tensor's spatial size.
     */
    gridAnchors(imageHeight, imageWidth, featureSizes) {
        if (featureSizes.length !== this.cells.length) {
            throw new ShapeError(`AnchorGenerator: got ${featureSizes.length} feature maps for ${this.cells.length} anchor levels.`);
        }
        return featureSizes.map(([gridH, gridW], level) => {
            if (!(gridH >= 1 && gridW >= 1 && gridH <= imageHeight && gridW <= imageWidth)) {
                throw new ShapeError(`AnchorGenerator: feature map ${gridH}×${gridW} does not fit the image ${imageHeight}×${imageWidth}.`);
            }
            const strideH = Math.floor(imageHeight / gridH);
            const strideW = Math.floor(imageWidth / gridW);
            const cell = this.cells[level];
            const out = new Float32Array(gridH * gridW * cell.length);
            let o = 0;
            for (let y = 0; y < gridH; y++) {
                const shiftY = y * strideH;
                for (let x = 0; x < gridW; x++) {
                    const shiftX = x * strideW;
                    for (let a = 0; a < cell.length; a += 4) {
                        out[o++] = shiftX + cell[a];
                        out[o++] = shiftY + cell[a + 1];
                        out[o++] = shiftX + cell[a + 2];
                        out[o++] = shiftY + cell[a + 3];
                    }
                }
            }
            return out;
        });
    }
}
/** generate_anchors: w = size/√ratio, h = size·√ratio (float32), then round(±w/2, ±h/2). */
function generateAnchors(sizes, aspectRatios) {
    const out = new Float32Array(4 * sizes.length * aspectRatios.length);
    let o = 0;
    for (const ratio of aspectRatios) {
        const hRatio = f(Math.sqrt(f(ratio)));
        const wRatio = f(1 / hRatio);
        for (const size of sizes) {
            const halfW = f(f(wRatio * f(size)) / 2);
            const halfH = f(f(hRatio * f(size)) / 2);
            out[o++] = roundHalfEven(-halfW);
            out[o++] = roundHalfEven(-halfH);
            out[o++] = roundHalfEven(halfW);
            out[o++] = roundHalfEven(halfH);
        }
    }
    return out;
}
//# sourceMappingURL=anchors.js.map