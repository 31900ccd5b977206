/**
 * Confusion-matrix heatmaps rendered into RGB pixels and written as PNG: cells coloured by each
 * row's fraction (viridis), counts in the cells when they fit, class labels on both axes and a
 * 0–1 colour bar. Of more than MAX_CONFUSION_CLASSES classes only the most confused are drawn.
 */
import { UserError } from '../errors.js';
import type { RgbImage } from '../io/rgb_image.js';
import { writePng } from '../io/png_encode.js';
import { AXIS, BLACK, blankChart, TEXT_SCALE, WHITE } from './chart_style.js';
import { drawText, GLYPH_HEIGHT, LINE_HEIGHT, textWidth } from './font.js';
import { fillRect, strokeRect, type Rgb } from './raster.js';

/** Viridis sampled at 10 evenly spaced points (matplotlib's values). */
const VIRIDIS: readonly Rgb[] = [
  [0x44, 0x01, 0x54],
  [0x48, 0x28, 0x78],
  [0x3e, 0x49, 0x89],
  [0x31, 0x68, 0x8e],
  [0x26, 0x82, 0x8e],
  [0x1f, 0x9e, 0x89],
  [0x35, 0xb7, 0x79],
  [0x6e, 0xce, 0x58],
  [0xb5, 0xde, 0x2b],
  [0xfd, 0xe7, 0x25],
];

/** Viridis colour of `t` in [0, 1] (clamped), linearly interpolated between the table's entries. */
export function viridis(t: number): Rgb {
  const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const pos = v * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + f * (b[c] - a[c]))) as unknown as Rgb;
}

/** Shortens a label to `max` characters, marking the cut with a trailing '.'. */
function truncateLabel(label: string, max: number): string {
  const chars = [...label];
  return chars.length <= max ? label : `${chars.slice(0, max - 1).join('')}.`;
}

const MAX_LABEL_CHARS = 14;

/**
 * At most this many classes are drawn (cells of at least 16 pixels, the picture under 1000×1000);
 * a larger matrix shows the classes most involved in errors.
 */
export const MAX_CONFUSION_CLASSES = 40;

/** Geometry of a rendered confusion matrix (pixel coordinates). */
export interface ConfusionLayout {
  width: number;
  height: number;
  /** Top-left corner of cell (0, 0) and the cell size. */
  left: number;
  top: number;
  cell: number;
  /** The colour bar's box. */
  colorbar: { left: number; top: number; width: number; height: number };
}

function checkMatrix(matrix: number[][], labels: readonly string[]): void {
  const n = labels.length;
  if (n === 0) throw new UserError('A confusion matrix needs at least one class.');
  if (matrix.length !== n || matrix.some((row) => row.length !== n)) {
    throw new UserError(`A confusion matrix for ${n} classes must be ${n}×${n}.`);
  }
  if (matrix.some((row) => row.some((v) => !Number.isFinite(v) || v < 0))) {
    throw new UserError('A confusion matrix must hold finite, non-negative counts.');
  }
}

/**
 * The classes a confusion picture shows, in index order: all of them up to MAX_CONFUSION_CLASSES,
 * else the MAX_CONFUSION_CLASSES with the most errors (images of the class given another one plus
 * images of other classes given this one; ties go to the lower index).
 */
export function confusionClasses(matrix: number[][]): number[] {
  const n = matrix.length;
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= MAX_CONFUSION_CLASSES) return all;
  const errors = new Array<number>(n).fill(0);
  matrix.forEach((row, r) =>
    row.forEach((v, c) => {
      if (r === c) return;
      errors[r] += v;
      errors[c] += v;
    }),
  );
  const chosen = [...all].sort((a, b) => errors[b] - errors[a] || a - b).slice(0, MAX_CONFUSION_CLASSES);
  return chosen.sort((a, b) => a - b);
}

/** What a confusion picture draws: the shown classes' cells, their full row totals and labels. */
interface ConfusionView {
  counts: number[][];
  rowTotals: number[];
  labels: string[];
  xTitle: string;
}

function confusionView(matrix: number[][], labels: readonly string[]): ConfusionView {
  checkMatrix(matrix, labels);
  const shown = confusionClasses(matrix);
  const n = labels.length;
  return {
    counts: shown.map((r) => shown.map((c) => matrix[r][c])),
    rowTotals: shown.map((r) => matrix[r].reduce((a, b) => a + b, 0)),
    labels: shown.map((i) => truncateLabel(labels[i], MAX_LABEL_CHARS)),
    xTitle:
      shown.length < n ? `predicted class (the ${shown.length} most confused of ${n})` : 'predicted class',
  };
}

function layoutOf(view: ConfusionView): ConfusionLayout {
  const n = view.labels.length;
  const s = TEXT_SCALE;
  const cell = Math.max(12, Math.min(64, Math.floor(640 / n)));
  const labelW = Math.max(...view.labels.map((l) => textWidth(l, s)));
  const capH = GLYPH_HEIGHT * s;
  const left = 10 + capH + 12 + labelW + 8;
  const top = 14;
  const gridSize = cell * n;
  const colorbar = { left: left + gridSize + 24, top, width: 20, height: gridSize };
  const width = colorbar.left + colorbar.width + 8 + textWidth('1.0', s) + 12;
  const height = top + gridSize + 8 + labelW + 12 + capH + 10;
  return { width, height, left, top, cell, colorbar };
}

/** Computes the layout of a confusion matrix image (as renderConfusionMatrix draws it). */
export function confusionLayout(matrix: number[][], labels: readonly string[]): ConfusionLayout {
  return layoutOf(confusionView(matrix, labels));
}

/**
 * Renders a confusion matrix (row = true class, column = predicted class) as a heatmap coloured by
 * each row's fraction, with counts in the cells when they fit, class labels on both axes (column
 * labels rotated) and a 0–1 colour bar. Of more than MAX_CONFUSION_CLASSES classes only the most
 * confused are drawn (see confusionClasses), their colours still fractions of the whole row.
 */
export function renderConfusionMatrix(matrix: number[][], labels: readonly string[]): RgbImage {
  const view = confusionView(matrix, labels);
  const layout = layoutOf(view);
  const img = blankChart(Math.max(64, layout.width), Math.max(64, layout.height));
  drawAxisTitles(img, view, layout);
  drawCells(img, view, layout);
  drawClassLabels(img, view, layout);
  drawColorbar(img, layout.colorbar);
  return img;
}

const CAP_H = GLYPH_HEIGHT * TEXT_SCALE;

/** 'predicted class' under the column labels and 'true class' (rotated) left of the row labels. */
function drawAxisTitles(img: RgbImage, view: ConfusionView, { left, top, cell }: ConfusionLayout): void {
  const gridSize = cell * view.labels.length;
  const labelW = Math.max(...view.labels.map((l) => textWidth(l, TEXT_SCALE)));
  const { xTitle } = view;
  const x = Math.round(left + gridSize / 2 - textWidth(xTitle, TEXT_SCALE) / 2);
  drawText(img, xTitle, x, top + gridSize + 8 + labelW + 12, BLACK, { scale: TEXT_SCALE });
  const y = Math.round(top + gridSize / 2 + textWidth('true class', TEXT_SCALE) / 2);
  drawText(img, 'true class', 10, y, BLACK, { scale: TEXT_SCALE, vertical: true });
}

/** Each cell in the viridis colour of its row fraction, its count inside when it fits, then a frame. */
function drawCells(img: RgbImage, view: ConfusionView, { left, top, cell }: ConfusionLayout): void {
  const n = view.labels.length;
  for (let r = 0; r < n; r++) {
    const total = view.rowTotals[r];
    for (let c = 0; c < n; c++) {
      const count = view.counts[r][c];
      const frac = total > 0 ? count / total : 0;
      const color = viridis(frac);
      const x0 = left + c * cell;
      const y0 = top + r * cell;
      fillRect(img, x0, y0, x0 + cell, y0 + cell, color);
      const text = Number.isInteger(count) ? String(count) : count.toPrecision(3);
      for (const scale of [TEXT_SCALE, 1]) {
        const w = textWidth(text, scale);
        if (w <= cell - 4 && GLYPH_HEIGHT * scale <= cell - 4) {
          const luminance = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2];
          const ink: Rgb = luminance > 140 ? BLACK : WHITE;
          const x = Math.round(x0 + (cell - w) / 2);
          drawText(img, text, x, Math.round(y0 + (cell - GLYPH_HEIGHT * scale) / 2), ink, { scale });
          break;
        }
      }
    }
  }
  strokeRect(img, [left - 1, top - 1, left + cell * n + 1, top + cell * n + 1], AXIS);
}

/** Row labels right-aligned left of the grid, column labels rotated below it. */
function drawClassLabels(img: RgbImage, view: ConfusionView, { left, top, cell }: ConfusionLayout): void {
  const gridSize = cell * view.labels.length;
  const scale = cell >= LINE_HEIGHT * TEXT_SCALE ? TEXT_SCALE : 1;
  view.labels.forEach((text, i) => {
    const w = textWidth(text, scale);
    const h = GLYPH_HEIGHT * scale;
    drawText(img, text, left - 8 - w, Math.round(top + i * cell + (cell - h) / 2), BLACK, { scale });
    const x = Math.round(left + i * cell + (cell - h) / 2);
    drawText(img, text, x, top + gridSize + 8 + w, BLACK, { scale, vertical: true });
  });
}

/** The colour bar (1 at the top) with ticks at 0, 0.5 and 1 (row fraction). */
function drawColorbar(img: RgbImage, colorbar: ConfusionLayout['colorbar']): void {
  const { left: cl, top: ct, width: cw, height: ch } = colorbar;
  for (let y = 0; y < ch; y++) {
    const t = 1 - y / Math.max(1, ch - 1);
    fillRect(img, cl, ct + y, cl + cw, ct + y + 1, viridis(t));
  }
  strokeRect(img, [cl - 1, ct - 1, cl + cw + 1, ct + ch + 1], AXIS);
  for (const t of [0, 0.5, 1]) {
    const y = Math.round(ct + (1 - t) * (ch - 1));
    fillRect(img, cl + cw + 1, y, cl + cw + 5, y + 1, AXIS);
    drawText(img, t.toFixed(1), cl + cw + 8, y - Math.floor(CAP_H / 2), BLACK, { scale: TEXT_SCALE });
  }
}

/** Renders a confusion matrix and writes it as PNG (atomically). */
export function writeConfusionMatrix(path: string, matrix: number[][], labels: readonly string[]): void {
  writePng(path, renderConfusionMatrix(matrix, labels));
}
