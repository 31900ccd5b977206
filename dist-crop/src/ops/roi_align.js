/** RoIAlign (torchvision.ops.roi_align): validate, then dispatch to the current backend's kernel. */
import { getBackend } from '../backends/registry.js';
import { ShapeError } from '../errors.js';
import { expectPositiveInt, expectRank } from './validate.js';
/**
 * x (N,C,H,W); rois K rows of (batchIndex, x0, y0, x1, y1) in the coordinates of the image x was
 * computed from, which spatialScale maps onto x (1/stride for a feature map). Returns (K,C,outH,outW).
 * samplingRatio is the samples per bin and axis (≤ 0: adaptive); aligned=false is the legacy form
 * Faster R-CNN uses.
 */
export function roiAlign(x, rois, outH, outW, spatialScale, samplingRatio, aligned) {
    expectRank('roiAlign', 'input', x, 4);
    if (rois.length % 5 !== 0) {
        throw new ShapeError(`roiAlign: rois must hold 5 values (batchIndex, x0, y0, x1, y1) per RoI, got ${rois.length} values.`);
    }
    expectPositiveInt('roiAlign', 'output height', outH);
    expectPositiveInt('roiAlign', 'output width', outW);
    if (!(spatialScale > 0 && Number.isFinite(spatialScale))) {
        throw new ShapeError(`roiAlign: spatial scale must be positive and finite, got ${spatialScale}.`);
    }
    if (!Number.isInteger(samplingRatio)) {
        throw new ShapeError(`roiAlign: sampling ratio must be an integer, got ${samplingRatio}.`);
    }
    const N = x.shape[0];
    for (let k = 0; k < rois.length; k += 5) {
        const n = rois[k];
        if (!Number.isInteger(n) || n < 0 || n >= N) {
            throw new ShapeError(`roiAlign: RoI ${k / 5} has batch index ${n}, outside the batch of ${N}.`);
        }
    }
    return getBackend().roiAlign(x, rois, outH, outW, spatialScale, samplingRatio, aligned);
}
//# sourceMappingURL=roi_align.js.map