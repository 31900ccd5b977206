/**
 * A tiny built-in 5×7 pixel font (digits, both letter cases, common punctuation) for labelling
 * charts without any font files. Glyphs are 5 pixels wide; rows 0–6 sit on the baseline and rows
 * 7–8 hold the descenders of g, j, p, q, y. Characters without a glyph are drawn as a hollow box.
 * Text is drawn into an RgbImage at an integer scale, horizontally or rotated 90° counter-clockwise
 * (reading bottom to top, for y-axis labels).
 */
import type { RgbImage } from '../io/rgb_image.js';
import { setPixel, type Rgb } from './raster.js';

export type { Rgb } from './raster.js';

/** Glyph width in font pixels. */
export const GLYPH_WIDTH = 5;
/** Height of capitals and digits in font pixels. */
export const GLYPH_HEIGHT = 7;
/** Height of a line of text including descenders, in font pixels. */
export const LINE_HEIGHT = 9;
/** Horizontal advance per character (glyph plus one pixel of spacing), in font pixels. */
export const ADVANCE = GLYPH_WIDTH + 1;

// Each glyph: rows of 5 bits, top to bottom ('1' = ink); 7 rows, or 9 with descenders.
const RAW: Record<string, string> = {
  ' ': '00000 00000 00000 00000 00000 00000 00000',
  '0': '01110 10001 10011 10101 11001 10001 01110',
  '1': '00100 01100 00100 00100 00100 00100 01110',
  '2': '01110 10001 00001 00010 00100 01000 11111',
  '3': '11111 00010 00100 00010 00001 10001 01110',
  '4': '00010 00110 01010 10010 11111 00010 00010',
  '5': '11111 10000 11110 00001 00001 10001 01110',
  '6': '00110 01000 10000 11110 10001 10001 01110',
  '7': '11111 00001 00010 00100 01000 01000 01000',
  '8': '01110 10001 10001 01110 10001 10001 01110',
  '9': '01110 10001 10001 01111 00001 00010 01100',
  A: '01110 10001 10001 11111 10001 10001 10001',
  B: '11110 10001 10001 11110 10001 10001 11110',
  C: '01110 10001 10000 10000 10000 10001 01110',
  D: '11100 10010 10001 10001 10001 10010 11100',
  E: '11111 10000 10000 11110 10000 10000 11111',
  F: '11111 10000 10000 11110 10000 10000 10000',
  G: '01110 10001 10000 10111 10001 10001 01111',
  H: '10001 10001 10001 11111 10001 10001 10001',
  I: '01110 00100 00100 00100 00100 00100 01110',
  J: '00111 00010 00010 00010 00010 10010 01100',
  K: '10001 10010 10100 11000 10100 10010 10001',
  L: '10000 10000 10000 10000 10000 10000 11111',
  M: '10001 11011 10101 10101 10001 10001 10001',
  N: '10001 10001 11001 10101 10011 10001 10001',
  O: '01110 10001 10001 10001 10001 10001 01110',
  P: '11110 10001 10001 11110 10000 10000 10000',
  Q: '01110 10001 10001 10001 10101 10010 01101',
  R: '11110 10001 10001 11110 10100 10010 10001',
  S: '01111 10000 10000 01110 00001 00001 11110',
  T: '11111 00100 00100 00100 00100 00100 00100',
  U: '10001 10001 10001 10001 10001 10001 01110',
  V: '10001 10001 10001 10001 10001 01010 00100',
  W: '10001 10001 10001 10101 10101 10101 01010',
  X: '10001 10001 01010 00100 01010 10001 10001',
  Y: '10001 10001 10001 01010 00100 00100 00100',
  Z: '11111 00001 00010 00100 01000 10000 11111',
  a: '00000 00000 01110 00001 01111 10001 01111',
  b: '10000 10000 10110 11001 10001 10001 11110',
  c: '00000 00000 01110 10000 10000 10001 01110',
  d: '00001 00001 01101 10011 10001 10001 01111',
  e: '00000 00000 01110 10001 11111 10000 01110',
  f: '00110 01001 01000 11100 01000 01000 01000',
  g: '00000 00000 01111 10001 10001 10011 01101 00001 01110',
  h: '10000 10000 10110 11001 10001 10001 10001',
  i: '00100 00000 01100 00100 00100 00100 01110',
  j: '00010 00000 00110 00010 00010 00010 00010 10010 01100',
  k: '10000 10000 10010 10100 11000 10100 10010',
  l: '01100 00100 00100 00100 00100 00100 01110',
  m: '00000 00000 11010 10101 10101 10101 10101',
  n: '00000 00000 10110 11001 10001 10001 10001',
  o: '00000 00000 01110 10001 10001 10001 01110',
  p: '00000 00000 11110 10001 10001 10001 11110 10000 10000',
  q: '00000 00000 01111 10001 10001 10001 01111 00001 00001',
  r: '00000 00000 10110 11001 10000 10000 10000',
  s: '00000 00000 01111 10000 01110 00001 11110',
  t: '01000 01000 11100 01000 01000 01001 00110',
  u: '00000 00000 10001 10001 10001 10011 01101',
  v: '00000 00000 10001 10001 10001 01010 00100',
  w: '00000 00000 10001 10001 10101 10101 01010',
  x: '00000 00000 10001 01010 00100 01010 10001',
  y: '00000 00000 10001 10001 10001 10011 01101 00001 01110',
  z: '00000 00000 11111 00010 00100 01000 11111',
  '.': '00000 00000 00000 00000 00000 01100 01100',
  ',': '00000 00000 00000 00000 01100 00100 01000',
  '-': '00000 00000 00000 11111 00000 00000 00000',
  '+': '00000 00100 00100 11111 00100 00100 00000',
  '%': '11000 11001 00010 00100 01000 10011 00011',
  '/': '00000 00001 00010 00100 01000 10000 00000',
  '(': '00010 00100 01000 01000 01000 00100 00010',
  ')': '01000 00100 00010 00010 00010 00100 01000',
  '[': '01110 01000 01000 01000 01000 01000 01110',
  ']': '01110 00010 00010 00010 00010 00010 01110',
  ':': '00000 01100 01100 00000 01100 01100 00000',
  ';': '00000 01100 01100 00000 01100 00100 01000',
  '=': '00000 00000 11111 00000 11111 00000 00000',
  _: '00000 00000 00000 00000 00000 00000 11111',
  "'": '00100 00100 01000 00000 00000 00000 00000',
  '"': '01010 01010 00000 00000 00000 00000 00000',
  '!': '00100 00100 00100 00100 00100 00000 00100',
  '?': '01110 10001 00001 00010 00100 00000 00100',
  '*': '00000 00100 10101 01110 10101 00100 00000',
  '#': '01010 01010 11111 01010 11111 01010 01010',
  '<': '00010 00100 01000 10000 01000 00100 00010',
  '>': '01000 00100 00010 00001 00010 00100 01000',
  '|': '00100 00100 00100 00100 00100 00100 00100',
  '&': '01100 10010 10100 01000 10101 10010 01101',
  '@': '01110 10001 00001 01101 10101 10101 01110',
  '^': '00100 01010 10001 00000 00000 00000 00000',
  '~': '00000 00000 01000 10101 00010 00000 00000',
  '×': '00000 10001 01010 00100 01010 10001 00000',
  '·': '00000 00000 00000 01100 01100 00000 00000',
  '−': '00000 00000 00000 11111 00000 00000 00000',
  '…': '00000 00000 00000 00000 00000 00000 10101',
};

const MISSING = '11111 10001 10001 10001 10001 10001 11111';

function parseGlyph(rows: string): readonly number[] {
  return Object.freeze(rows.split(' ').map((r) => parseInt(r, 2)));
}

const GLYPHS = new Map<string, readonly number[]>(
  Object.entries(RAW).map(([ch, rows]) => [ch, parseGlyph(rows)]),
);
const MISSING_GLYPH = parseGlyph(MISSING);

/** The rows of a character's glyph (bit 4 = leftmost pixel); a hollow box when there is none. */
export function glyph(ch: string): readonly number[] {
  return GLYPHS.get(ch) ?? MISSING_GLYPH;
}

/** Whether the font has a glyph for `ch`. */
export function hasGlyph(ch: string): boolean {
  return GLYPHS.has(ch);
}

/** Width in image pixels of `text` at `scale` (no trailing spacing). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * ADVANCE - 1) * scale;
}

/** Options of drawText. */
export interface TextOptions {
  /** Integer magnification (default 1). */
  scale?: number;
  /** Rotate 90° counter-clockwise, so the text reads bottom to top (default false). */
  vertical?: boolean;
}

/**
 * Draws `text` with the top-left corner of its first glyph at (x, y). Vertical text starts at
 * (x, y) too, but (x, y) is then its bottom-left corner and the text runs upwards. Pixels outside
 * the image are skipped.
 */
export function drawText(
  img: RgbImage,
  text: string,
  x: number,
  y: number,
  color: Rgb,
  options: TextOptions = {},
): void {
  const scale = Math.max(1, Math.round(options.scale ?? 1));
  const vertical = options.vertical === true;
  let pen = 0;
  for (const ch of text) {
    const rows = glyph(ch);
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (((rows[r] >> (GLYPH_WIDTH - 1 - c)) & 1) === 0) continue;
        // offsets along the text (u) and across it (v), in image pixels
        const u0 = (pen + c) * scale;
        const v0 = r * scale;
        for (let du = 0; du < scale; du++) {
          for (let dv = 0; dv < scale; dv++) {
            if (vertical) setPixel(img, x + v0 + dv, y - u0 - du, color);
            else setPixel(img, x + u0 + du, y + v0 + dv, color);
          }
        }
      }
    }
    pen += ADVANCE;
  }
}
