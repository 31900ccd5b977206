/**
 * Heatmap overlays for class activation maps: a jet-coloured map alpha-blended over the photo, a box
 * and a label in the built-in pixel font. No model code here: the inputs are pixels and numbers.
 */
import { ShapeError } from '../errors.js';
import type { RgbImage } from '../io/rgb_image.js';
import { drawText, LINE_HEIGHT, textWidth } from './font.js';
import { fillRect, strokeRect, type Rgb } from './raster.js';

export interface OverlayOptions {
  /** [x0, y0, x1, y1] in image pixels, x1/y1 exclusive. */
  box?: readonly [number, number, number, number];
  label?: string;
  /** Weight of the colour map against the photo, in [0, 1] (default 0.5). */
  alpha?: number;
}

const BOX_COLOR: Rgb = [255, 255, 255];
const OUTLINE: Rgb = [0, 0, 0];

/** The classic "jet" colour map (blue → cyan → yellow → red) of `t` in [0, 1], clamped. */
export function jet(t: number): Rgb {
  const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const channel = (centre: number): number =>
    Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - centre))));
  return [channel(3), channel(2), channel(1)];
}

/**
 * A copy of `image` with `heat` (one value in [0, 1] per pixel, row-major) coloured by `jet` and
 * blended over it, then the box (white, outlined in black) and the label (white on black, at the
 * box's top-left corner, or the image's when there is no box). Line width and text size grow with
 * the image.
 */
export function overlayHeatmap(image: RgbImage, heat: Float32Array, options: OverlayOptions = {}): RgbImage {
  const { width, height } = image;
  if (heat.length !== width * height) {
    throw new ShapeError(`overlayHeatmap: a ${width}×${height} image needs ${width * height} heat values.`);
  }
  const alpha = options.alpha ?? 0.5;
  const out: RgbImage = { width, height, data: new Uint8Array(image.data.length) };
  for (let i = 0; i < heat.length; i++) {
    const color = jet(heat[i]);
    for (let c = 0; c < 3; c++) {
      out.data[i * 3 + c] = Math.round((1 - alpha) * image.data[i * 3 + c] + alpha * color[c]);
    }
  }
  const unit = Math.max(1, Math.round(Math.min(width, height) / 200));
  const [bx, by] = options.box === undefined ? [0, 0] : options.box;
  if (options.box !== undefined) {
    const [x0, y0, x1, y1] = options.box;
    strokeRect(out, [x0, y0, x1, y1], OUTLINE, 2 * unit + 2);
    strokeRect(out, [x0 + 1, y0 + 1, x1 - 1, y1 - 1], BOX_COLOR, 2 * unit);
  }
  if (options.label !== undefined && options.label !== '') {
    const pad = unit * 2;
    const w = textWidth(options.label, unit) + 2 * pad;
    const h = LINE_HEIGHT * unit + 2 * pad;
    const x = Math.max(0, Math.min(bx, width - w));
    const y = Math.max(0, Math.min(by, height - h));
    fillRect(out, x, y, x + w, y + h, OUTLINE);
    drawText(out, options.label, x + pad, y + pad, BOX_COLOR, { scale: unit });
  }
  return out;
}
