/**
 * Dependency-free charts rendered straight into RGB pixels and written as PNG: line charts (linear or
 * log-scale y, ticks, grid, legend, title) and confusion-matrix heatmaps (row-normalized viridis
 * colours, counts in the cells). Text uses the built-in 5×7 pixel font of font.ts; lines are drawn
 * with Bresenham's algorithm and a 2-pixel brush. No model code here: the inputs are plain numbers.
 */
import { type RgbImage } from '../io/image.js';
import { type Rgb } from './font.js';
/** One named series of (x, y) points, drawn as a polyline (non-finite points break the line). */
export interface LineSeries {
    name: string;
    points: [number, number][];
}
/** A line chart: title, axis labels, optional log-scale y, one or more series. */
export interface LineChart {
    title: string;
    xLabel: string;
    yLabel: string;
    logY?: boolean;
    series: LineSeries[];
}
/** The tab10 palette: series `i` gets `SERIES_COLORS[i % 10]`. */
export declare const SERIES_COLORS: readonly Rgb[];
/** One axis: its data range, ticks (with labels) and minor ticks, linear or log10. */
export interface Axis {
    min: number;
    max: number;
    log: boolean;
    ticks: {
        value: number;
        label: string;
    }[];
    minorTicks: number[];
}
/** Where things are on a rendered line chart (pixel coordinates, inclusive plot-area bounds). */
export interface LineChartLayout {
    plot: {
        left: number;
        top: number;
        right: number;
        bottom: number;
    };
    x: Axis;
    y: Axis;
    /** Pixel column/row of a data point (not rounded). */
    toPixel(x: number, y: number): [number, number];
    /** The legend's box, or null when the chart has no named series. */
    legend: {
        left: number;
        top: number;
        width: number;
        height: number;
    } | null;
}
/** Computes the layout of a line chart (as renderLineChart draws it). */
export declare function lineChartLayout(chart: LineChart, width?: number, height?: number): LineChartLayout;
/** Renders a line chart: title, axes with ticks and labels, grid, one colour per series, legend. */
export declare function renderLineChart(chart: LineChart, width?: number, height?: number): RgbImage;
/** Renders a line chart at 800×500 and writes it as PNG (atomically). */
export declare function writeLineChart(path: string, chart: LineChart): void;
/** Viridis colour of `t` in [0, 1] (clamped), linearly interpolated between the table's entries. */
export declare function viridis(t: number): Rgb;
/** Geometry of a rendered confusion matrix (pixel coordinates). */
export interface ConfusionLayout {
    width: number;
    height: number;
    /** Top-left corner of cell (0, 0) and the cell size. */
    left: number;
    top: number;
    cell: number;
    /** The colour bar's box. */
    colorbar: {
        left: number;
        top: number;
        width: number;
        height: number;
    };
}
/** Computes the layout of a confusion matrix image (as renderConfusionMatrix draws it). */
export declare function confusionLayout(matrix: number[][], labels: readonly string[]): ConfusionLayout;
/**
 * Renders a confusion matrix (row = true class, column = predicted class) as a heatmap coloured by
 * each row's fraction, with counts in the cells when they fit, class labels on both axes (column
 * labels rotated) and a 0–1 colour bar.
 */
export declare function renderConfusionMatrix(matrix: number[][], labels: readonly string[]): RgbImage;
/** Renders a confusion matrix and writes it as PNG (atomically). */
export declare function writeConfusionMatrix(path: string, matrix: number[][], labels: readonly string[]): void;
