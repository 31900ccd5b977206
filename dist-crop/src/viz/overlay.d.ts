import type { RgbImage } from '../io/image.js';
import { type Rgb } from './font.js';
export interface OverlayOptions {
    /** [x0, y0, x1, y1] in image pixels, x1/y1 exclusive. */
    box?: readonly [number, number, number, number];
    label?: string;
    /** Weight of the colour map against the photo, in [0, 1] (default 0.5). */
    alpha?: number;
}
/** The classic "jet" colour map (blue → cyan → yellow → red) of `t` in [0, 1], clamped. */
export declare function jet(t: number): Rgb;
/** Fills the rectangle [x0, x1) × [y0, y1), clipped to the image. */
export declare function fillRect(img: RgbImage, x0: number, y0: number, x1: number, y1: number, color: Rgb): void;
/** The outline of box [x0, y0, x1, y1) drawn `thickness` pixels wide on its inside. */
export declare function strokeRect(img: RgbImage, box: readonly [number, number, number, number], color: Rgb, thickness: number): void;
/**
 * A copy of `image` with `heat` (one value in [0, 1] per pixel, row-major) coloured by `jet` and
 * blended over it, then the box (white, outlined in black) and the label (white on black, at the
 * box's top-left corner, or the image's when there is no box). Line width and text size grow with
 * the image.
 */
export declare function overlayHeatmap(image: RgbImage, heat: Float32Array, options?: OverlayOptions): RgbImage;
