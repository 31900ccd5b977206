/**
 * Detections drawn on a photo: one coloured outline per box and its label with the score on a filled
 * tab above the box's top-left corner (inside the box when there is no room above). Line width and
 * text size grow with the image. Pixels and numbers only; no model code.
 */
import type { RgbImage } from '../io/rgb_image.js';
import { drawText, LINE_HEIGHT, textWidth } from './font.js';
import { fillRect, strokeRect, type Rgb } from './raster.js';

/** A box in image pixels (x0, y0, x1, y1) with its caption and class index (which picks the colour). */
export interface DrawnBox {
  box: readonly [number, number, number, number];
  classIndex: number;
  label: string;
  score: number;
}

/** Distinct, saturated colours that stay readable under white text; a class keeps its colour. */
const PALETTE: readonly Rgb[] = [
  [230, 25, 75],
  [60, 140, 60],
  [0, 110, 200],
  [245, 130, 48],
  [145, 30, 180],
  [0, 128, 128],
  [200, 40, 200],
  [128, 96, 0],
  [80, 80, 200],
  [170, 60, 40],
];
const TEXT: Rgb = [255, 255, 255];

export function boxColor(classIndex: number): Rgb {
  return PALETTE[((classIndex % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** A copy of `image` with every box outlined and captioned `label 0.93`; the highest score is drawn last (on top). */
export function drawDetections(image: RgbImage, boxes: readonly DrawnBox[]): RgbImage {
  const img: RgbImage = { width: image.width, height: image.height, data: image.data.slice() };
  const side = Math.min(img.width, img.height);
  const thickness = Math.max(1, Math.round(side / 300));
  const scale = Math.max(1, Math.round(side / 400));
  const ordered = [...boxes].sort((a, b) => a.score - b.score);
  for (const d of ordered) {
    const color = boxColor(d.classIndex);
    const [x0, y0, x1, y1] = d.box.map(Math.round);
    strokeRect(img, [x0, y0, Math.max(x1, x0 + 1), Math.max(y1, y0 + 1)], color, thickness);
    const caption = `${d.label} ${d.score.toFixed(2)}`;
    const tabW = textWidth(caption, scale) + 2 * scale;
    const tabH = LINE_HEIGHT * scale;
    const top = y0 - tabH >= 0 ? y0 - tabH : y0;
    fillRect(img, x0, top, x0 + tabW, top + tabH, color);
    drawText(img, caption, x0 + scale, top + scale, TEXT, { scale });
  }
  return img;
}
