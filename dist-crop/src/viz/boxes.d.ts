/**
 * Detections drawn on a photo: one coloured outline per box and its label with the score on a filled
 * tab above the box's top-left corner (inside the box when there is no room above). Line width and
 * text size grow with the image. Pixels and numbers only; no model code.
 */
import type { RgbImage } from '../io/image.js';
import { type Rgb } from './font.js';
/** A box in image pixels (x0, y0, x1, y1) with its caption and class index (which picks the colour). */
export interface DrawnBox {
    box: readonly [number, number, number, number];
    label: string;
    labelIndex: number;
    score: number;
}
export declare function boxColor(labelIndex: number): Rgb;
/** A copy of `image` with every box outlined and captioned `label 0.93`; the highest score is drawn last (on top). */
export declare function drawDetections(image: RgbImage, boxes: readonly DrawnBox[]): RgbImage;
