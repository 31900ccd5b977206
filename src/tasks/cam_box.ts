/**
 * From a heatmap to a box: bilinear upsampling to the image size, a threshold at a fraction of the
 * maximum, the largest 8-connected component of the pixels at or above it, and its bounding box.
 */
import { resizeBilinear } from '../data/interpolate.js';
import { OptionError, ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/** A single-channel map, row-major (`data.length === width * height`). */
export interface Heatmap {
  width: number;
  height: number;
  data: Float32Array;
}

/** [x0, y0, x1, y1] in pixels; x1 and y1 are exclusive, so the box spans x1 − x0 columns. */
export type Box = [number, number, number, number];

export const DEFAULT_BOX_THRESHOLD = 0.2;

/**
 * Bilinear resampling as `F.interpolate(mode='bilinear', align_corners=False)` (the shared
 * float32 implementation, data/interpolate.ts). No antialiasing (the heatmap is only ever enlarged).
 */
export function upsampleBilinear(map: Heatmap, width: number, height: number): Heatmap {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ShapeError(`Cannot resample a heatmap to ${width}×${height}.`);
  }
  const up = resizeBilinear(new Tensor(map.data, [1, map.height, map.width]), height, width);
  return { width, height, data: up.data };
}

/** Pixels of a component and its bounding box. */
export interface Component {
  pixels: number;
  box: Box;
}

/**
 * The largest 8-connected component of `mask` (non-zero = on): the most pixels, the first found in
 * raster order on a tie. Null when no pixel is on.
 */
export function largestComponent(mask: Uint8Array, width: number, height: number): Component | null {
  if (mask.length !== width * height) {
    throw new ShapeError(`largestComponent: a ${width}×${height} mask needs ${width * height} values.`);
  }
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  let best: Component | null = null;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || seen[start] !== 0) continue;
    seen[start] = 1;
    stack[0] = start;
    let top = 1;
    let pixels = 0;
    let [x0, y0, x1, y1] = [width, height, 0, 0];
    while (top > 0) {
      const p = stack[--top];
      const x = p % width;
      const y = (p - x) / width;
      pixels++;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1);
      y1 = Math.max(y1, y + 1);
      for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
          const q = ny * width + nx;
          if (mask[q] !== 0 && seen[q] === 0) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    if (best === null || pixels > best.pixels) best = { pixels, box: [x0, y0, x1, y1] };
  }
  return best;
}

export function checkThreshold(threshold: number): void {
  if (!(threshold > 0 && threshold <= 1)) {
    throw new OptionError(`{threshold} must be in (0, 1], got ${threshold}.`);
  }
}

/**
 * The box of the largest 8-connected region where `map` ≥ threshold · max(map), in the map's own
 * pixels. A constant map (no localization) gives the whole map.
 */
export function thresholdBox(map: Heatmap, threshold = DEFAULT_BOX_THRESHOLD): Box {
  checkThreshold(threshold);
  let max = -Infinity;
  for (const v of map.data) if (v > max) max = v;
  const cut = threshold * max;
  const mask = new Uint8Array(map.data.length);
  for (let i = 0; i < mask.length; i++) mask[i] = map.data[i] >= cut ? 1 : 0;
  return largestComponent(mask, map.width, map.height)?.box ?? [0, 0, map.width, map.height];
}

/** Upsamples `heatmap` to width × height (the original image) and returns the thresholded box there. */
export function boxFromHeatmap(
  heatmap: Heatmap,
  width: number,
  height: number,
  threshold = DEFAULT_BOX_THRESHOLD,
): Box {
  return thresholdBox(upsampleBilinear(heatmap, width, height), threshold);
}
