/** What line charts (plot.ts) and confusion matrices (confusion.ts) share: canvas, text size, inks. */
import { UserError } from '../errors.js';
import type { RgbImage } from '../io/rgb_image.js';
import { whiteImage, type Rgb } from './raster.js';

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];
/** Axes, ticks and frames. */
export const AXIS: Rgb = [40, 40, 40];

/** Text scale of titles, labels, tick labels and legend entries. */
export const TEXT_SCALE = 2;

/** The white canvas of a chart, at least 64×64 pixels. */
export function blankChart(width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 64 || height < 64) {
    throw new UserError(`A chart must be at least 64×64 pixels, got ${width}×${height}.`);
  }
  return whiteImage(width, height);
}
