/**
 * A tiny built-in 5×7 pixel font (digits, both letter cases, common punctuation) for labelling
 * charts without any font files. Glyphs are 5 pixels wide; rows 0–6 sit on the baseline and rows
 * 7–8 hold the descenders of g, j, p, q, y. Characters without a glyph are drawn as a hollow box.
 * Text is drawn into an RgbImage at an integer scale, horizontally or rotated 90° counter-clockwise
 * (reading bottom to top, for y-axis labels).
 */
import type { RgbImage } from '../io/image.js';
/** Glyph width in font pixels. */
export declare const GLYPH_WIDTH = 5;
/** Height of capitals and digits in font pixels. */
export declare const GLYPH_HEIGHT = 7;
/** Height of a line of text including descenders, in font pixels. */
export declare const LINE_HEIGHT = 9;
/** Horizontal advance per character (glyph plus one pixel of spacing), in font pixels. */
export declare const ADVANCE: number;
/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];
/** The rows of a character's glyph (bit 4 = leftmost pixel); a hollow box when there is none. */
export declare function glyph(ch: string): readonly number[];
/** Whether the font has a glyph for `ch`. */
export declare function hasGlyph(ch: string): boolean;
/** Width in image pixels of `text` at `scale` (no trailing spacing). */
export declare function textWidth(text: string, scale?: number): number;
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
export declare function drawText(img: RgbImage, text: string, x: number, y: number, color: Rgb, options?: TextOptions): void;
