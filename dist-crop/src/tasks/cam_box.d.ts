/** A single-channel map, row-major (`data.length === width * height`). */
export interface Heatmap {
    width: number;
    height: number;
    data: Float32Array;
}
/** [x0, y0, x1, y1] in pixels; x1 and y1 are exclusive, so the box spans x1 − x0 columns. */
export type Box = [number, number, number, number];
export declare const DEFAULT_BOX_THRESHOLD = 0.2;
/**
 * Bilinear resampling as `F.interpolate(mode='bilinear', align_corners=False)` (the shared
 * float32 implementation, data/interpolate.ts). No antialiasing (the heatmap is only ever enlarged).
 */
export declare function upsampleBilinear(map: Heatmap, width: number, height: number): Heatmap;
/** Pixels of a component and its bounding box. */
export interface Component {
    pixels: number;
    box: Box;
}
/**
 * The largest 8-connected component of `mask` (non-zero = on): the most pixels, the first found in
 * raster order on a tie. Null when no pixel is on.
 */
export declare function largestComponent(mask: Uint8Array, width: number, height: number): Component | null;
export declare function checkThreshold(threshold: number): void;
/**
 * The box of the largest 8-connected region where `map` ≥ threshold · max(map), in the map's own
 * pixels. A constant map (no localization) gives the whole map.
 */
export declare function thresholdBox(map: Heatmap, threshold?: number): Box;
/** Upsamples `heatmap` to width × height (the original image) and returns the thresholded box there. */
export declare function boxFromHeatmap(heatmap: Heatmap, width: number, height: number, threshold?: number): Box;
