/**
 * Dependency-free charts rendered straight into RGB pixels and written as PNG: line charts (linear or
 * log-scale y, ticks, grid, legend, title, notes on what is not drawn), panels of line charts stacked
 * in one image, and confusion-matrix heatmaps (row-normalized viridis colours, counts in the cells).
 * Text uses the built-in 5×7 pixel font of font.ts; lines are drawn with Bresenham's algorithm and a
 * 2-pixel brush (1 pixel for thin series). No model code here: the inputs are plain numbers.
 */
import { writePng, type RgbImage } from '../io/image.js';
import { UserError } from '../errors.js';
import { drawText, LINE_HEIGHT, GLYPH_HEIGHT, textWidth, type Rgb } from './font.js';

/** One named series of (x, y) points, drawn as a polyline (non-finite points break the line). */
export interface LineSeries {
  name: string;
  points: [number, number][];
  /** A 1-pixel line without markers (dense series such as per-step losses). */
  thin?: boolean;
}

/**
 * A line chart: title, axis labels, optional log-scale y, one or more series. `notes` are lines of
 * text under the title (say what the chart lacks); a note is added for every series with points that
 * cannot be drawn (none at all, non-finite values, non-positive values on a log axis). `xRange` is
 * kept inside the x axis whatever the data (e.g. a run's planned length).
 */
export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  logY?: boolean;
  series: LineSeries[];
  notes?: string[];
  xRange?: [number, number];
}

/** The tab10 palette: series `i` gets `SERIES_COLORS[i % 10]`. */
export const SERIES_COLORS: readonly Rgb[] = Object.freeze([
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
] as Rgb[]);

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const AXIS: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];
const MINOR_GRID: Rgb = [242, 242, 242];
const LEGEND_BORDER: Rgb = [160, 160, 160];
const NOTE: Rgb = [110, 110, 110];

/** Text scale of titles, labels, tick labels and legend entries. */
const TEXT_SCALE = 2;
const TICK_LENGTH = 6;

// ---------------------------------------------------------------------------------------------
// Pixel primitives
// ---------------------------------------------------------------------------------------------

function blank(width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 64 || height < 64) {
    throw new UserError(`A chart must be at least 64×64 pixels, got ${width}×${height}.`);
  }
  const data = new Uint8Array(width * height * 3).fill(255);
  return { width, height, data };
}

function setPixel(img: RgbImage, x: number, y: number, c: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = (y * img.width + x) * 3;
  img.data[o] = c[0];
  img.data[o + 1] = c[1];
  img.data[o + 2] = c[2];
}

function fillRect(img: RgbImage, x0: number, y0: number, w: number, h: number, c: Rgb): void {
  for (let y = Math.max(0, y0); y < Math.min(img.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(img.width, x0 + w); x++) setPixel(img, x, y, c);
  }
}

function strokeRect(img: RgbImage, x0: number, y0: number, w: number, h: number, c: Rgb): void {
  fillRect(img, x0, y0, w, 1, c);
  fillRect(img, x0, y0 + h - 1, w, 1, c);
  fillRect(img, x0, y0, 1, h, c);
  fillRect(img, x0 + w - 1, y0, 1, h, c);
}

interface Clip {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Bresenham's line from (x0, y0) to (x1, y1) with a `brush`×`brush` brush (a 2-pixel line covers its
 * own pixels and the ones right of and below them), clipped to `clip` (inclusive bounds).
 */
function drawLine(
  img: RgbImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  c: Rgb,
  clip: Clip,
  brush = 2,
): void {
  const plot = (x: number, y: number): void => {
    for (let dy = 0; dy < brush; dy++) {
      for (let dx = 0; dx < brush; dx++) {
        const px = x + dx;
        const py = y + dy;
        if (px >= clip.left && px <= clip.right && py >= clip.top && py <= clip.bottom)
          setPixel(img, px, py, c);
      }
    }
  };
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
    plot(x, y);
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

// ---------------------------------------------------------------------------------------------
// Axes
// ---------------------------------------------------------------------------------------------

/** One axis: its data range, ticks (with labels) and minor ticks, linear or log10. */
export interface Axis {
  min: number;
  max: number;
  log: boolean;
  ticks: { value: number; label: string }[];
  minorTicks: number[];
}

/** Where things are on a rendered line chart (pixel coordinates, inclusive plot-area bounds). */
export interface LineChartLayout {
  plot: { left: number; top: number; right: number; bottom: number };
  x: Axis;
  y: Axis;
  /** Pixel column/row of a data point (not rounded). */
  toPixel(x: number, y: number): [number, number];
  /** The legend's box, or null when the chart has no named series. */
  legend: { left: number; top: number; width: number; height: number } | null;
}

function niceStep(range: number, target: number): number {
  const raw = range / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * mag;
}

function formatLinear(v: number, step: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e6 || abs < 1e-4) {
    const s = v.toExponential(Math.max(0, Math.min(3, Math.ceil(-Math.log10(step / abs)))));
    return s.replace(/\.?0+e/, 'e').replace('e+', 'e');
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(decimals, 10));
}

/** 10^k, exact for integer k (`10 ** -4` is not the closest double to 1e-4). */
function pow10(k: number): number {
  return Number(`1e${k}`);
}

function formatDecade(k: number): string {
  return k >= -2 && k <= 3 ? String(pow10(k)) : `1e${k}`;
}

function linearAxis(values: number[], target: number): Axis {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (values.length === 0) [lo, hi] = [0, 1];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, target);
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: Axis['ticks'] = [];
  for (let i = 0; ; i++) {
    const v = min + i * step;
    if (v > max + step * 1e-6) break;
    const clean = Number(v.toPrecision(12));
    ticks.push({ value: clean, label: formatLinear(clean, step) });
  }
  return { min, max, log: false, ticks, minorTicks: [] };
}

function logAxis(values: number[]): Axis {
  const positive = values.filter((v) => v > 0);
  const kLo = positive.length === 0 ? 0 : Math.floor(Math.log10(Math.min(...positive)) + 1e-9);
  let kHi = positive.length === 0 ? 1 : Math.ceil(Math.log10(Math.max(...positive)) - 1e-9);
  if (kHi <= kLo) kHi = kLo + 1;
  const every = Math.max(1, Math.ceil((kHi - kLo) / 10));
  const ticks: Axis['ticks'] = [];
  const minorTicks: number[] = [];
  for (let k = kLo; k <= kHi; k++) {
    if ((k - kLo) % every === 0) ticks.push({ value: pow10(k), label: formatDecade(k) });
    if (k < kHi && every === 1) for (let m = 2; m <= 9; m++) minorTicks.push(m * pow10(k));
  }
  return { min: pow10(kLo), max: pow10(kHi), log: true, ticks, minorTicks };
}

function finitePoints(series: LineSeries, logY: boolean): [number, number][] {
  return series.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0));
}

function checkChart(chart: LineChart): void {
  if (chart.series.length === 0) throw new UserError(`Chart '${chart.title}' has no series.`);
}

/** The chart's own notes, then one for each series with points that are not drawn. */
export function chartNotes(chart: LineChart): string[] {
  const notes = [...(chart.notes ?? [])];
  const logY = chart.logY === true;
  for (const s of chart.series) {
    const name = s.name === '' ? 'a series' : s.name;
    const missing = s.points.length - finitePoints(s, logY).length;
    if (s.points.length === 0) notes.push(`${name}: no data`);
    else if (missing > 0) {
      const why = logY ? 'not finite or not positive' : 'not finite';
      notes.push(`${name}: ${missing} of ${s.points.length} values ${why}, not drawn`);
    }
  }
  return notes;
}

/** Computes the layout of a line chart (as renderLineChart draws it). */
export function lineChartLayout(chart: LineChart, width = 800, height = 500): LineChartLayout {
  checkChart(chart);
  const logY = chart.logY === true;
  const pts = chart.series.flatMap((s) => finitePoints(s, logY));
  const x = linearAxis([...pts.map((p) => p[0]), ...(chart.xRange ?? [])], 8);
  const y = logY
    ? logAxis(pts.map((p) => p[1]))
    : linearAxis(
        pts.map((p) => p[1]),
        6,
      );
  const lineH = LINE_HEIGHT * TEXT_SCALE;
  const capH = GLYPH_HEIGHT * TEXT_SCALE;
  const titleH = (chart.title === '' ? 8 : 12 + lineH) + chartNotes(chart).length * lineH;
  const yLabelW = chart.yLabel === '' ? 0 : capH + 12;
  const tickLabelW = Math.max(...y.ticks.map((t) => textWidth(t.label, TEXT_SCALE)));
  const left = 10 + yLabelW + tickLabelW + TICK_LENGTH + 4;
  const right = width - 1 - 20;
  const top = titleH + 8;
  const bottom = height - 1 - (10 + capH + TICK_LENGTH + 6 + (chart.xLabel === '' ? 0 : lineH + 6));
  if (right - left < 40 || bottom - top < 40) {
    throw new UserError(`A ${width}×${height} image is too small for chart '${chart.title}'.`);
  }
  const plot = { left, top, right, bottom };
  const toPixel = (vx: number, vy: number): [number, number] => {
    const px = left + ((vx - x.min) / (x.max - x.min)) * (right - left);
    const fy = logY
      ? (Math.log10(vy) - Math.log10(y.min)) / (Math.log10(y.max) - Math.log10(y.min))
      : (vy - y.min) / (y.max - y.min);
    return [px, bottom - fy * (bottom - top)];
  };
  const legend = placeLegend(chart, plot, toPixel, logY);
  return { plot, x, y, toPixel, legend };
}

/** Puts the legend in the plot-area corner that hides the fewest data points. */
function placeLegend(
  chart: LineChart,
  plot: LineChartLayout['plot'],
  toPixel: LineChartLayout['toPixel'],
  logY: boolean,
): LineChartLayout['legend'] {
  const named = chart.series.filter((s) => s.name !== '');
  if (named.length === 0) return null;
  const rowH = LINE_HEIGHT * TEXT_SCALE + 4;
  const width = 10 + 28 + 8 + Math.max(...named.map((s) => textWidth(s.name, TEXT_SCALE))) + 10;
  const height = 8 + named.length * rowH;
  const m = 10;
  const corners = [
    { left: plot.right - m - width, top: plot.top + m },
    { left: plot.left + m, top: plot.top + m },
    { left: plot.right - m - width, top: plot.bottom - m - height },
    { left: plot.left + m, top: plot.bottom - m - height },
  ];
  // sample every segment densely and count samples that fall inside each candidate box
  const samples: [number, number][] = [];
  for (const s of chart.series) {
    const p = finitePoints(s, logY).map(([a, b]) => toPixel(a, b));
    for (let i = 0; i < p.length; i++) {
      samples.push(p[i]);
      if (i === 0) continue;
      const n = Math.ceil(Math.hypot(p[i][0] - p[i - 1][0], p[i][1] - p[i - 1][1]) / 4);
      for (let k = 1; k < n; k++) {
        const t = k / n;
        samples.push([p[i - 1][0] + t * (p[i][0] - p[i - 1][0]), p[i - 1][1] + t * (p[i][1] - p[i - 1][1])]);
      }
    }
  }
  let best = corners[0];
  let bestHits = Infinity;
  for (const c of corners) {
    const hits = samples.filter(
      ([px, py]) =>
        px >= c.left - 4 && px <= c.left + width + 4 && py >= c.top - 4 && py <= c.top + height + 4,
    ).length;
    if (hits < bestHits) {
      bestHits = hits;
      best = c;
    }
  }
  return { left: Math.round(best.left), top: Math.round(best.top), width, height };
}

// ---------------------------------------------------------------------------------------------
// Line charts
// ---------------------------------------------------------------------------------------------

/** Renders a line chart: title, axes with ticks and labels, grid, one colour per series, legend. */
export function renderLineChart(chart: LineChart, width = 800, height = 500): RgbImage {
  const layout = lineChartLayout(chart, width, height);
  const img = blank(width, height);
  const { plot, x, y, toPixel } = layout;
  const logY = chart.logY === true;
  const s = TEXT_SCALE;
  const capH = GLYPH_HEIGHT * s;

  // grid
  for (const v of y.minorTicks) {
    const py = Math.round(toPixel(x.min, v)[1]);
    fillRect(img, plot.left, py, plot.right - plot.left + 1, 1, MINOR_GRID);
  }
  for (const t of y.ticks) {
    const py = Math.round(toPixel(x.min, t.value)[1]);
    fillRect(img, plot.left, py, plot.right - plot.left + 1, 1, GRID);
  }
  for (const t of x.ticks) {
    const px = Math.round(toPixel(t.value, y.min)[0]);
    fillRect(img, px, plot.top, 1, plot.bottom - plot.top + 1, GRID);
  }

  // series
  chart.series.forEach((series, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    let prev: [number, number] | null = null;
    const thin = series.thin === true;
    const marker = !thin && series.points.length <= 60;
    for (const [vx, vy] of series.points) {
      if (!Number.isFinite(vx) || !Number.isFinite(vy) || (logY && vy <= 0)) {
        prev = null;
        continue;
      }
      const p = toPixel(vx, vy);
      const from = prev ?? p;
      drawLine(img, from[0], from[1], p[0], p[1], color, plot, thin ? 1 : 2);
      if (marker) {
        const mx = Math.round(p[0]);
        const my = Math.round(p[1]);
        for (let dy = -2; dy <= 3; dy++) {
          for (let dx = -2; dx <= 3; dx++) {
            const px = mx + dx;
            const py = my + dy;
            if (px >= plot.left && px <= plot.right && py >= plot.top && py <= plot.bottom)
              setPixel(img, px, py, color);
          }
        }
      }
      prev = p;
    }
  });

  // axes box, ticks and tick labels
  strokeRect(img, plot.left, plot.top, plot.right - plot.left + 1, plot.bottom - plot.top + 1, AXIS);
  for (const v of y.minorTicks) {
    const py = Math.round(toPixel(x.min, v)[1]);
    fillRect(img, plot.left - TICK_LENGTH / 2, py, TICK_LENGTH / 2, 1, AXIS);
  }
  for (const t of y.ticks) {
    const py = Math.round(toPixel(x.min, t.value)[1]);
    fillRect(img, plot.left - TICK_LENGTH, py, TICK_LENGTH, 1, AXIS);
    const w = textWidth(t.label, s);
    drawText(img, t.label, plot.left - TICK_LENGTH - 4 - w, py - Math.floor(capH / 2), BLACK, { scale: s });
  }
  let lastRight = -Infinity;
  for (const t of x.ticks) {
    const px = Math.round(toPixel(t.value, y.min)[0]);
    fillRect(img, px, plot.bottom + 1, 1, TICK_LENGTH, AXIS);
    const w = textWidth(t.label, s);
    const lx = Math.round(px - w / 2);
    if (lx <= lastRight + 6) continue; // skip labels that would overlap their neighbour
    drawText(img, t.label, lx, plot.bottom + TICK_LENGTH + 6, BLACK, { scale: s });
    lastRight = lx + w;
  }

  // title and axis labels
  const center = (plot.left + plot.right) / 2;
  if (chart.title !== '') {
    const w = textWidth(chart.title, s);
    const tx = Math.max(4, Math.round(Math.min(center - w / 2, width - 4 - w)));
    drawText(img, chart.title, tx, 10, BLACK, { scale: s });
    drawText(img, chart.title, tx + 1, 10, BLACK, { scale: s }); // bold
  }
  chartNotes(chart).forEach((note, i) => {
    const lineH = LINE_HEIGHT * s;
    const noteTop = (chart.title === '' ? 8 : 12 + lineH) + i * lineH;
    drawText(img, note, plot.left, noteTop, NOTE, { scale: s });
  });
  if (chart.xLabel !== '') {
    const w = textWidth(chart.xLabel, s);
    drawText(
      img,
      chart.xLabel,
      Math.round(center - w / 2),
      plot.bottom + TICK_LENGTH + 6 + capH + 10,
      BLACK,
      {
        scale: s,
      },
    );
  }
  if (chart.yLabel !== '') {
    const w = textWidth(chart.yLabel, s);
    const middle = (plot.top + plot.bottom) / 2;
    drawText(img, chart.yLabel, 10, Math.round(Math.min(height - 4, middle + w / 2)), BLACK, {
      scale: s,
      vertical: true,
    });
  }

  // legend
  if (layout.legend !== null) {
    const { left, top, width: lw, height: lh } = layout.legend;
    fillRect(img, left, top, lw, lh, WHITE);
    strokeRect(img, left, top, lw, lh, LEGEND_BORDER);
    const rowH = LINE_HEIGHT * s + 4;
    let row = 0;
    chart.series.forEach((series, i) => {
      if (series.name === '') return;
      const color = SERIES_COLORS[i % SERIES_COLORS.length];
      const ry = top + 6 + row * rowH;
      fillRect(img, left + 10, ry + Math.floor(capH / 2) - 1, 28, 3, color);
      drawText(img, series.name, left + 10 + 28 + 8, ry, BLACK, { scale: s });
      row++;
    });
  }
  return img;
}

/** Renders a line chart at 800×500 and writes it as PNG (atomically). */
export function writeLineChart(path: string, chart: LineChart): void {
  writePng(path, renderLineChart(chart));
}

/** Renders each chart at `width`×`panelHeight` (own axes) and stacks them top to bottom in one image. */
export function renderLineCharts(charts: readonly LineChart[], width = 800, panelHeight = 400): RgbImage {
  if (charts.length === 0) throw new UserError('A panel of charts needs at least one chart.');
  const img = blank(width, panelHeight * charts.length);
  charts.forEach((chart, i) => {
    img.data.set(renderLineChart(chart, width, panelHeight).data, i * width * panelHeight * 3);
  });
  return img;
}

/** Renders charts as stacked 800×400 panels and writes them as one PNG (atomically). */
export function writeLineCharts(path: string, charts: readonly LineChart[]): void {
  writePng(path, renderLineCharts(charts));
}

// ---------------------------------------------------------------------------------------------
// Confusion matrices
// ---------------------------------------------------------------------------------------------

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
  const { left, top, cell, colorbar } = layout;
  const img = blank(Math.max(64, layout.width), Math.max(64, layout.height));
  const n = view.labels.length;
  const s = TEXT_SCALE;
  const capH = GLYPH_HEIGHT * s;
  const gridSize = cell * n;

  const { xTitle } = view;
  const labelW = Math.max(...view.labels.map((l) => textWidth(l, s)));
  drawText(
    img,
    xTitle,
    Math.round(left + gridSize / 2 - textWidth(xTitle, s) / 2),
    top + gridSize + 8 + labelW + 12,
    BLACK,
    {
      scale: s,
    },
  );
  drawText(img, 'true class', 10, Math.round(top + gridSize / 2 + textWidth('true class', s) / 2), BLACK, {
    scale: s,
    vertical: true,
  });

  for (let r = 0; r < n; r++) {
    const total = view.rowTotals[r];
    for (let c = 0; c < n; c++) {
      const count = view.counts[r][c];
      const frac = total > 0 ? count / total : 0;
      const color = viridis(frac);
      const x0 = left + c * cell;
      const y0 = top + r * cell;
      fillRect(img, x0, y0, cell, cell, color);
      const text = Number.isInteger(count) ? String(count) : count.toPrecision(3);
      for (const scale of [s, 1]) {
        const w = textWidth(text, scale);
        if (w <= cell - 4 && GLYPH_HEIGHT * scale <= cell - 4) {
          const luminance = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2];
          const ink: Rgb = luminance > 140 ? BLACK : WHITE;
          drawText(
            img,
            text,
            Math.round(x0 + (cell - w) / 2),
            Math.round(y0 + (cell - GLYPH_HEIGHT * scale) / 2),
            ink,
            { scale },
          );
          break;
        }
      }
    }
  }
  strokeRect(img, left - 1, top - 1, gridSize + 2, gridSize + 2, AXIS);

  const labelScale = cell >= LINE_HEIGHT * s ? s : 1;
  view.labels.forEach((text, i) => {
    const w = textWidth(text, labelScale);
    const h = GLYPH_HEIGHT * labelScale;
    // row labels, right-aligned left of the grid
    drawText(img, text, left - 8 - w, Math.round(top + i * cell + (cell - h) / 2), BLACK, {
      scale: labelScale,
    });
    // column labels, rotated, below the grid
    drawText(img, text, Math.round(left + i * cell + (cell - h) / 2), top + gridSize + 8 + w, BLACK, {
      scale: labelScale,
      vertical: true,
    });
  });

  // colour bar with ticks at 0, 0.5, 1 (row fraction)
  for (let y = 0; y < colorbar.height; y++) {
    const t = 1 - y / Math.max(1, colorbar.height - 1);
    fillRect(img, colorbar.left, colorbar.top + y, colorbar.width, 1, viridis(t));
  }
  strokeRect(img, colorbar.left - 1, colorbar.top - 1, colorbar.width + 2, colorbar.height + 2, AXIS);
  for (const t of [0, 0.5, 1]) {
    const y = Math.round(colorbar.top + (1 - t) * (colorbar.height - 1));
    fillRect(img, colorbar.left + colorbar.width + 1, y, 4, 1, AXIS);
    drawText(img, t.toFixed(1), colorbar.left + colorbar.width + 8, y - Math.floor(capH / 2), BLACK, {
      scale: s,
    });
  }
  return img;
}

/** Renders a confusion matrix and writes it as PNG (atomically). */
export function writeConfusionMatrix(path: string, matrix: number[][], labels: readonly string[]): void {
  writePng(path, renderConfusionMatrix(matrix, labels));
}
