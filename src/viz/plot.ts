/**
 * Line charts rendered straight into RGB pixels and written as PNG: linear or log-scale y, ticks,
 * grid, legend, title, notes on what is not drawn, and panels of charts stacked in one image. Lines
 * are 2 pixels wide (1 for thin series). No model code here: the inputs are plain numbers.
 * Confusion matrices are confusion.ts's, re-exported here for the modules that import them from here.
 */
import { UserError } from '../errors.js';
import type { RgbImage } from '../io/rgb_image.js';
import { writePng } from '../io/png_encode.js';
import { linearAxis, logAxis, type Axis } from './axis.js';
import { AXIS, BLACK, blankChart, TEXT_SCALE, WHITE } from './chart_style.js';
import { drawText, GLYPH_HEIGHT, LINE_HEIGHT, textWidth } from './font.js';
import { drawLine, fillClipped, fillRect, strokeRect, type Rgb } from './raster.js';

export {
  confusionClasses,
  confusionLayout,
  MAX_CONFUSION_CLASSES,
  renderConfusionMatrix,
  writeConfusionMatrix,
} from './confusion.js';

/** One named series of (x, y) points, drawn as a polyline (non-finite points break the line). */
export interface LineSeries {
  name: string;
  points: [number, number][];
  /** A 1-pixel line without markers (dense series such as per-step losses). */
  thin?: boolean;
  /** Its colour (default: the palette's, by the series' index). */
  color?: Rgb;
  /** A dashed line (e.g. training error beside a solid test error, as He et al.'s figures). */
  dashed?: boolean;
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

const GRID: Rgb = [225, 225, 225];
const MINOR_GRID: Rgb = [242, 242, 242];
const LEGEND_BORDER: Rgb = [160, 160, 160];
const NOTE: Rgb = [110, 110, 110];

const TICK_LENGTH = 6;
/** Pixels drawn, then skipped, along a dashed line. */
const DASH_ON = 9;
const DASH_OFF = 6;
/** Height of capitals and digits in the charts' text. */
const CAP_H = GLYPH_HEIGHT * TEXT_SCALE;

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
  const titleH = (chart.title === '' ? 8 : 12 + lineH) + chartNotes(chart).length * lineH;
  const yLabelW = chart.yLabel === '' ? 0 : CAP_H + 12;
  const tickLabelW = Math.max(...y.ticks.map((t) => textWidth(t.label, TEXT_SCALE)));
  const left = 10 + yLabelW + tickLabelW + TICK_LENGTH + 4;
  const right = width - 1 - 20;
  const top = titleH + 8;
  const bottom = height - 1 - (10 + CAP_H + TICK_LENGTH + 6 + (chart.xLabel === '' ? 0 : lineH + 6));
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

/** Renders a line chart: title, axes with ticks and labels, grid, one colour per series, legend. */
export function renderLineChart(chart: LineChart, width = 800, height = 500): RgbImage {
  const layout = lineChartLayout(chart, width, height);
  const img = blankChart(width, height);
  drawGrid(img, layout);
  drawSeries(img, chart, layout);
  drawAxes(img, layout);
  drawTitles(img, chart, layout);
  if (layout.legend !== null) drawLegend(img, chart, layout.legend);
  return img;
}

function drawGrid(img: RgbImage, { plot, x, y, toPixel }: LineChartLayout): void {
  for (const v of y.minorTicks) {
    const py = Math.round(toPixel(x.min, v)[1]);
    fillRect(img, plot.left, py, plot.right + 1, py + 1, MINOR_GRID);
  }
  for (const t of y.ticks) {
    const py = Math.round(toPixel(x.min, t.value)[1]);
    fillRect(img, plot.left, py, plot.right + 1, py + 1, GRID);
  }
  for (const t of x.ticks) {
    const px = Math.round(toPixel(t.value, y.min)[0]);
    fillRect(img, px, plot.top, px + 1, plot.bottom + 1, GRID);
  }
}

const seriesColor = (series: LineSeries, i: number): Rgb =>
  series.color ?? SERIES_COLORS[i % SERIES_COLORS.length];

/** Each series in its colour, broken at points that cannot be drawn; markers on short thick series. */
function drawSeries(img: RgbImage, chart: LineChart, { plot, toPixel }: LineChartLayout): void {
  const logY = chart.logY === true;
  chart.series.forEach((series, i) => {
    const color = seriesColor(series, i);
    let prev: [number, number] | null = null;
    const thin = series.thin === true;
    const marker = !thin && series.points.length <= 60;
    const lineWidth = thin ? 1 : 2;
    // How far along the dash pattern the line is, carried from segment to segment.
    let phase = 0;
    const segment = (from: [number, number], to: [number, number]): void => {
      if (series.dashed !== true) {
        drawLine(img, from[0], from[1], to[0], to[1], color, plot, lineWidth);
        return;
      }
      const length = Math.hypot(to[0] - from[0], to[1] - from[1]);
      let at = 0;
      while (at < length) {
        const inPattern = phase % (DASH_ON + DASH_OFF);
        const on = inPattern < DASH_ON;
        const step = Math.min(length - at, (on ? DASH_ON : DASH_ON + DASH_OFF) - inPattern);
        if (on) {
          const [a, b] = [at / length, (at + step) / length];
          const lerp = (t: number, k: 0 | 1): number => from[k] + t * (to[k] - from[k]);
          drawLine(img, lerp(a, 0), lerp(a, 1), lerp(b, 0), lerp(b, 1), color, plot, lineWidth);
        }
        at += step;
        phase += step;
      }
    };
    for (const [vx, vy] of series.points) {
      if (!Number.isFinite(vx) || !Number.isFinite(vy) || (logY && vy <= 0)) {
        prev = null;
        continue;
      }
      const p = toPixel(vx, vy);
      segment(prev ?? p, p);
      if (marker) fillClipped(img, Math.round(p[0]) - 2, Math.round(p[1]) - 2, 6, color, plot);
      prev = p;
    }
  });
}

/** The plot area's frame, ticks and tick labels (x labels that would overlap a neighbour are skipped). */
function drawAxes(img: RgbImage, { plot, x, y, toPixel }: LineChartLayout): void {
  strokeRect(img, [plot.left, plot.top, plot.right + 1, plot.bottom + 1], AXIS);
  for (const v of y.minorTicks) {
    const py = Math.round(toPixel(x.min, v)[1]);
    fillRect(img, plot.left - TICK_LENGTH / 2, py, plot.left, py + 1, AXIS);
  }
  for (const t of y.ticks) {
    const py = Math.round(toPixel(x.min, t.value)[1]);
    fillRect(img, plot.left - TICK_LENGTH, py, plot.left, py + 1, AXIS);
    const w = textWidth(t.label, TEXT_SCALE);
    drawText(img, t.label, plot.left - TICK_LENGTH - 4 - w, py - Math.floor(CAP_H / 2), BLACK, {
      scale: TEXT_SCALE,
    });
  }
  let lastRight = -Infinity;
  for (const t of x.ticks) {
    const px = Math.round(toPixel(t.value, y.min)[0]);
    fillRect(img, px, plot.bottom + 1, px + 1, plot.bottom + 1 + TICK_LENGTH, AXIS);
    const w = textWidth(t.label, TEXT_SCALE);
    const lx = Math.round(px - w / 2);
    if (lx <= lastRight + 6) continue; // skip labels that would overlap their neighbour
    drawText(img, t.label, lx, plot.bottom + TICK_LENGTH + 6, BLACK, { scale: TEXT_SCALE });
    lastRight = lx + w;
  }
}

/** The title (bold), the notes under it and the axis labels. */
function drawTitles(img: RgbImage, chart: LineChart, { plot }: LineChartLayout): void {
  const center = (plot.left + plot.right) / 2;
  if (chart.title !== '') {
    const w = textWidth(chart.title, TEXT_SCALE);
    const tx = Math.max(4, Math.round(Math.min(center - w / 2, img.width - 4 - w)));
    drawText(img, chart.title, tx, 10, BLACK, { scale: TEXT_SCALE });
    drawText(img, chart.title, tx + 1, 10, BLACK, { scale: TEXT_SCALE }); // bold
  }
  const lineH = LINE_HEIGHT * TEXT_SCALE;
  chartNotes(chart).forEach((note, i) => {
    const noteTop = (chart.title === '' ? 8 : 12 + lineH) + i * lineH;
    drawText(img, note, plot.left, noteTop, NOTE, { scale: TEXT_SCALE });
  });
  if (chart.xLabel !== '') {
    const w = textWidth(chart.xLabel, TEXT_SCALE);
    const top = plot.bottom + TICK_LENGTH + 6 + CAP_H + 10;
    drawText(img, chart.xLabel, Math.round(center - w / 2), top, BLACK, { scale: TEXT_SCALE });
  }
  if (chart.yLabel !== '') {
    const w = textWidth(chart.yLabel, TEXT_SCALE);
    const middle = (plot.top + plot.bottom) / 2;
    drawText(img, chart.yLabel, 10, Math.round(Math.min(img.height - 4, middle + w / 2)), BLACK, {
      scale: TEXT_SCALE,
      vertical: true,
    });
  }
}

/** The legend box: a colour swatch and the name of each named series. */
function drawLegend(img: RgbImage, chart: LineChart, legend: NonNullable<LineChartLayout['legend']>): void {
  const { left, top, width, height } = legend;
  fillRect(img, left, top, left + width, top + height, WHITE);
  strokeRect(img, [left, top, left + width, top + height], LEGEND_BORDER);
  const rowH = LINE_HEIGHT * TEXT_SCALE + 4;
  let row = 0;
  chart.series.forEach((series, i) => {
    if (series.name === '') return;
    const color = seriesColor(series, i);
    const ry = top + 6 + row * rowH;
    const sy = ry + Math.floor(CAP_H / 2) - 1;
    fillRect(img, left + 10, sy, left + 10 + 28, sy + 3, color);
    drawText(img, series.name, left + 10 + 28 + 8, ry, BLACK, { scale: TEXT_SCALE });
    row++;
  });
}

/** Renders a line chart at 800×500 and writes it as PNG (atomically). */
export function writeLineChart(path: string, chart: LineChart): void {
  writePng(path, renderLineChart(chart));
}

/** Renders each chart at `width`×`panelHeight` (own axes) and stacks them top to bottom in one image. */
export function renderLineCharts(charts: readonly LineChart[], width = 800, panelHeight = 400): RgbImage {
  if (charts.length === 0) throw new UserError('A panel of charts needs at least one chart.');
  const img = blankChart(width, panelHeight * charts.length);
  charts.forEach((chart, i) => {
    img.data.set(renderLineChart(chart, width, panelHeight).data, i * width * panelHeight * 3);
  });
  return img;
}

/** Renders charts as stacked 800×400 panels and writes them as one PNG (atomically). */
export function writeLineCharts(path: string, charts: readonly LineChart[]): void {
  writePng(path, renderLineCharts(charts));
}
