/**
 * Drawing on an RgbImage: single pixels, filled and outlined rectangles, and lines (Bresenham's
 * algorithm with a square brush). Everything is clipped to the image; text is font.ts's drawText.
 */
import type { RgbImage } from '../io/rgb_image.js';

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/** A white image of `width`×`height` pixels. */
export function whiteImage(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(255) };
}

/** Sets pixel (x, y) to `c`; pixels outside the image are skipped. */
export function setPixel(img: RgbImage, x: number, y: number, c: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = (y * img.width + x) * 3;
  img.data[o] = c[0];
  img.data[o + 1] = c[1];
  img.data[o + 2] = c[2];
}

/** Fills the rectangle [x0, x1) × [y0, y1), clipped to the image. */
export function fillRect(img: RgbImage, x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
  for (let y = Math.max(0, y0); y < Math.min(img.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(img.width, x1); x++) setPixel(img, x, y, c);
  }
}

/** The outline of box [x0, y0, x1, y1) drawn `thickness` pixels wide (default 1) on its inside. */
export function strokeRect(
  img: RgbImage,
  box: readonly [number, number, number, number],
  c: Rgb,
  thickness = 1,
): void {
  const [x0, y0, x1, y1] = box;
  const t = Math.max(1, Math.min(thickness, Math.ceil((x1 - x0) / 2), Math.ceil((y1 - y0) / 2)));
  fillRect(img, x0, y0, x1, y0 + t, c);
  fillRect(img, x0, y1 - t, x1, y1, c);
  fillRect(img, x0, y0, x0 + t, y1, c);
  fillRect(img, x1 - t, y0, x1, y1, c);
}

/** A region lines are clipped to (inclusive pixel bounds). */
export interface Clip {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Bresenham's line from (x0, y0) to (x1, y1) (rounded to pixels) with a `brush`×`brush` brush (a
 * 2-pixel line covers its own pixels and the ones right of and below them), clipped to `clip`.
 */
export function drawLine(
  img: RgbImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  c: Rgb,
  clip: Clip,
  brush = 2,
): void {
  let x = Math.round(x0);
  let y = Math.round(y0);
  const xe = Math.round(x1);
  const ye = Math.round(y1);
  const dx = Math.abs(xe - x);
  const dy = -Math.abs(ye - y);
  const sx = x < xe ? 1 : -1;
  const sy = y < ye ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    fillClipped(img, x, y, brush, c, clip);
    if (x === xe && y === ye) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

/** The `size`×`size` square with top-left corner (x, y), clipped to `clip`. */
export function fillClipped(img: RgbImage, x: number, y: number, size: number, c: Rgb, clip: Clip): void {
  fillRect(
    img,
    Math.max(x, clip.left),
    Math.max(y, clip.top),
    Math.min(x + size, clip.right + 1),
    Math.min(y + size, clip.bottom + 1),
    c,
  );
}
