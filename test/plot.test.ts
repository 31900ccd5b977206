/**
 * Charts (src/viz/plot.ts, src/viz/confusion.ts) and the pixel font (src/viz/font.ts): image sizes,
 * series colours at the pixels their data maps to, log-axis placement, legend, confusion-matrix
 * colours and counts, and atomic PNG writing that leaves no temp file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readImage, type RgbImage } from '../src/io/image.js';
import { drawText, glyph, hasGlyph, textWidth } from '../src/viz/font.js';
import type { Rgb } from '../src/viz/raster.js';
import {
  confusionLayout,
  renderConfusionMatrix,
  viridis,
  writeConfusionMatrix,
} from '../src/viz/confusion.js';
import {
  lineChartLayout,
  renderLineChart,
  SERIES_COLORS,
  writeLineChart,
  type LineChart,
} from '../src/viz/plot.js';

function pixel(img: RgbImage, x: number, y: number): Rgb {
  const o = (Math.round(y) * img.width + Math.round(x)) * 3;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
}

function countColor(
  img: RgbImage,
  c: Rgb,
  region?: { x0: number; y0: number; x1: number; y1: number },
): number {
  const { x0, y0, x1, y1 } = region ?? { x0: 0, y0: 0, x1: img.width, y1: img.height };
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = pixel(img, x, y);
      if (p[0] === c[0] && p[1] === c[1] && p[2] === c[2]) n++;
    }
  }
  return n;
}

const LINEAR: LineChart = {
  title: 'Two lines',
  xLabel: 'x',
  yLabel: 'y',
  series: [
    {
      name: 'flat',
      points: [
        [0, 0.5],
        [1, 0.5],
      ],
    },
    {
      name: 'rising',
      points: [
        [0, 0],
        [1, 1],
      ],
    },
  ],
};

test('the font has glyphs for digits, letters and chart punctuation, and measures text', () => {
  for (const ch of '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-+e%/():, ') {
    assert.ok(hasGlyph(ch), `glyph for '${ch}'`);
  }
  assert.equal(hasGlyph('€'), false);
  assert.equal(glyph('€').length, 7); // a box, not a crash
  assert.equal(textWidth('', 2), 0);
  assert.equal(textWidth('ab', 1), 11);
  assert.equal(textWidth('ab', 2), 22);
  const img: RgbImage = { width: 20, height: 10, data: new Uint8Array(600).fill(255) };
  drawText(img, '1', 0, 0, [0, 0, 0]);
  // '1' is 00100 on row 0: only column 2 inked
  assert.deepEqual(pixel(img, 2, 0), [0, 0, 0]);
  assert.deepEqual(pixel(img, 0, 0), [255, 255, 255]);
  // vertical text runs upwards from its bottom-left corner: row 0 of the glyph becomes column x
  const v: RgbImage = { width: 10, height: 20, data: new Uint8Array(600).fill(255) };
  drawText(v, '1', 0, 19, [0, 0, 0], { vertical: true });
  assert.deepEqual(pixel(v, 0, 17), [0, 0, 0]);
  assert.deepEqual(pixel(v, 0, 19), [255, 255, 255]);
});

test('a line chart has the requested size, axes from the data and lines at their rows', () => {
  const img = renderLineChart(LINEAR, 640, 400);
  assert.equal(img.width, 640);
  assert.equal(img.height, 400);
  assert.equal(img.data.length, 640 * 400 * 3);
  const layout = lineChartLayout(LINEAR, 640, 400);
  assert.equal(layout.y.min, 0);
  assert.equal(layout.y.max, 1);
  assert.equal(layout.x.min, 0);
  assert.equal(layout.x.max, 1);
  assert.ok(layout.y.ticks.some((t) => t.value === 0.4 && t.label === '0.4'));
  const { plot } = layout;
  // y = 0.5 of a [0, 1] axis is the middle row of the plot area
  const [, row] = layout.toPixel(0.25, 0.5);
  assert.equal(row, (plot.top + plot.bottom) / 2);
  const blue = SERIES_COLORS[0];
  const orange = SERIES_COLORS[1];
  for (const fx of [0.15, 0.3, 0.6]) {
    const x = plot.left + fx * (plot.right - plot.left);
    assert.deepEqual(pixel(img, x, Math.round(row)), blue, `flat line at x fraction ${fx}`);
  }
  // the rising line passes through (0.25, 0.25) and (0.75, 0.75)
  for (const v of [0.25, 0.75]) {
    const [px, py] = layout.toPixel(v, v);
    assert.deepEqual(pixel(img, px, py), orange, `diagonal at ${v}`);
  }
  // far from both lines: background or grid, never a series colour
  const [qx, qy] = layout.toPixel(0.9, 0.1);
  assert.notDeepEqual(pixel(img, qx, qy), blue);
  assert.notDeepEqual(pixel(img, qx, qy), orange);
});

test('a log-scale chart places decades evenly and points between them logarithmically', () => {
  const chart: LineChart = {
    title: 'log',
    xLabel: 'layer',
    yLabel: 'norm',
    logY: true,
    series: [
      {
        name: 'a',
        points: [
          [1, 1e-3],
          [2, 1e-2],
          [3, 1e-1],
          [4, 1],
        ],
      },
      {
        name: 'b',
        points: Array.from({ length: 4 }, (_, i): [number, number] => [i + 1, Math.sqrt(10) * 1e-2]),
      },
    ],
  };
  const layout = lineChartLayout(chart);
  assert.equal(layout.y.log, true);
  assert.equal(layout.y.min, 1e-3);
  assert.equal(layout.y.max, 1);
  assert.deepEqual(
    layout.y.ticks.map((t) => t.label),
    ['1e-3', '0.01', '0.1', '1'],
  );
  const rows = layout.y.ticks.map((t) => layout.toPixel(1, t.value)[1]);
  const gaps = rows.slice(1).map((r, i) => rows[i] - r);
  for (const g of gaps) assert.ok(Math.abs(g - gaps[0]) < 1e-9, 'equal decade spacing');
  // √10·1e-2 sits half-way between the 0.01 and 0.1 rows
  const mid = layout.toPixel(2.5, Math.sqrt(10) * 1e-2)[1];
  assert.ok(Math.abs(mid - (rows[1] + rows[2]) / 2) < 1e-6);
  const img = renderLineChart(chart);
  assert.deepEqual(pixel(img, layout.toPixel(2.5, 1)[0], mid), SERIES_COLORS[1]);
  // non-positive values are skipped on a log axis instead of breaking the chart
  const withZero: LineChart = {
    ...chart,
    series: [
      {
        name: 'z',
        points: [
          [1, 0],
          [2, 1e-4],
          [3, 1e-2],
        ],
      },
    ],
  };
  assert.equal(lineChartLayout(withZero).y.min, 1e-4);
  renderLineChart(withZero);
  assert.equal(lineChartLayout({ ...chart, logY: false }).y.log, false);
});

test('the legend is drawn with each series colour in a box away from the data', () => {
  const layout = lineChartLayout(LINEAR);
  assert.ok(layout.legend !== null);
  const { left, top, width, height } = layout.legend;
  const img = renderLineChart(LINEAR);
  const box = { x0: left, y0: top, x1: left + width, y1: top + height };
  assert.ok(countColor(img, SERIES_COLORS[0], box) >= 28 * 3, 'legend swatch of series 0');
  assert.ok(countColor(img, SERIES_COLORS[1], box) >= 28 * 3, 'legend swatch of series 1');
  // the flat line at the middle and the diagonal avoid the chosen corner (top-left is free here)
  assert.ok(
    left < (layout.plot.left + layout.plot.right) / 2 && top < (layout.plot.top + layout.plot.bottom) / 2,
  );
  assert.ok(countColor(img, [0, 0, 0], box) > 50, 'legend text');
  const noNames = lineChartLayout({ ...LINEAR, series: LINEAR.series.map((s) => ({ ...s, name: '' })) });
  assert.equal(noNames.legend, null);
});

test('a chart with no series or too small an image is a UserError', () => {
  assert.throws(() => renderLineChart({ ...LINEAR, series: [] }), /no series/);
  assert.throws(() => renderLineChart(LINEAR, 100, 80), /too small/);
});

test('a confusion matrix colours rows by fraction and writes counts that fit', () => {
  const labels = ['cat', 'dog', 'a very long class name'];
  const m = [
    [8, 2, 0],
    [0, 10, 0],
    [1, 1, 3],
  ];
  const img = renderConfusionMatrix(m, labels);
  const layout = confusionLayout(m, labels);
  assert.equal(img.width, layout.width);
  assert.equal(img.height, layout.height);
  const { left, top, cell } = layout;
  // the corner of a cell has the cell's colour (the count is in the middle)
  const at = (r: number, c: number): Rgb => pixel(img, left + c * cell + 1, top + r * cell + 1);
  assert.deepEqual(at(0, 0), viridis(0.8));
  assert.deepEqual(at(0, 1), viridis(0.2));
  assert.deepEqual(at(1, 1), viridis(1));
  assert.deepEqual(at(1, 0), viridis(0));
  assert.deepEqual(at(2, 2), viridis(0.6));
  // the digits are drawn in the cells: a cell holds more than one colour
  const cellBox = { x0: left + cell, y0: top + cell, x1: left + 2 * cell, y1: top + 2 * cell };
  assert.ok(countColor(img, viridis(1), cellBox) < cell * cell, 'count written in cell (1, 1)');
  assert.deepEqual(viridis(0), [0x44, 0x01, 0x54]);
  assert.deepEqual(viridis(1), [0xfd, 0xe7, 0x25]);
  assert.throws(() => renderConfusionMatrix([[1, 2]], ['a']), /1×1/);
  assert.throws(() => renderConfusionMatrix([], []), /at least one class/);
  // many classes: cells shrink, the image stays bounded
  const n = 40;
  const big = Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => (r === c ? 1000 : 1)));
  const bigImg = renderConfusionMatrix(
    big,
    Array.from({ length: n }, (_, i) => `class ${i}`),
  );
  assert.ok(bigImg.width < 1200 && bigImg.height < 1200);
});

test('writing charts leaves a decodable PNG and no temp file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plot-'));
  try {
    writeLineChart(join(dir, 'chart.png'), LINEAR);
    writeConfusionMatrix(join(dir, 'cm.png'), [[1]], ['only']);
    assert.deepEqual(readdirSync(dir).sort(), ['chart.png', 'cm.png']);
    const chart = readImage(join(dir, 'chart.png'));
    assert.equal(chart.width, 800);
    assert.equal(chart.height, 500);
    assert.deepEqual(Buffer.from(chart.data), Buffer.from(renderLineChart(LINEAR).data));
    assert.throws(() => writeLineChart(join(dir, 'missing', 'x.png'), LINEAR), /cannot write/);
    assert.deepEqual(readdirSync(dir).sort(), ['chart.png', 'cm.png']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
