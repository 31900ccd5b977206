/**
 * Chroma upsampling as libjpeg-turbo's jdsample.c with its defaults (do_fancy_upsampling, as PIL
 * leaves it): "fancy" triangle filters for 2:1 horizontal (h2v1), 2:1 vertical (h1v2) and 2:1 both
 * (h2v2) ratios, plain replication for h2v1/h2v2 components two samples wide or less and for every
 * other integral ratio. Edges replicate the outermost sample, as libjpeg's context rows do.
 */
import type { Component, Frame } from './markers.js';

/** A component's samples at full image size: `data[y * stride + x]`. */
export interface Plane {
  data: Uint8Array;
  stride: number;
}

/** Upsamples component `c` (its samples in `plane`, stride gridW * 8) to the frame size. */
export function upsample(c: Component, plane: Uint8Array, frame: Frame): Plane {
  const stride = c.gridW * 8;
  const hr = frame.hmax / c.h;
  const vr = frame.vmax / c.v;
  if (hr === 1 && vr === 1) return { data: plane, stride };
  const W = frame.width;
  const H = frame.height;
  const sw = c.sampleW;
  const lastRow = c.sampleH - 1;
  const out = new Uint8Array(W * H);
  const rowAt = (r: number) => (r < 0 ? 0 : r > lastRow ? lastRow : r) * stride;
  const fancyH = hr === 2 && sw > 2;
  if (hr === 2 && vr === 1 && fancyH) {
    for (let y = 0; y < H; y++) h2v1Row(plane, rowAt(y), sw, out, y * W, W);
  } else if (hr === 1 && vr === 2) {
    for (let y = 0; y < H; y++) {
      const near = rowAt(y >> 1);
      const far = rowAt((y >> 1) + (y & 1 ? 1 : -1));
      const bias = y & 1 ? 2 : 1;
      for (let x = 0; x < W; x++) out[y * W + x] = (3 * plane[near + x] + plane[far + x] + bias) >> 2;
    }
  } else if (hr === 2 && vr === 2 && fancyH) {
    const sums = new Int32Array(sw);
    for (let y = 0; y < H; y++) {
      const near = rowAt(y >> 1);
      const far = rowAt((y >> 1) + (y & 1 ? 1 : -1));
      for (let i = 0; i < sw; i++) sums[i] = 3 * plane[near + i] + plane[far + i];
      h2v2Row(sums, sw, out, y * W, W);
    }
  } else {
    for (let y = 0; y < H; y++) {
      const src = rowAt(Math.floor(y / vr));
      for (let x = 0; x < W; x++) out[y * W + x] = plane[src + Math.floor(x / hr)];
    }
  }
  return { data: out, stride: W };
}

/** h2v1_fancy_upsample for one row of `sw` samples; writes the first `width` outputs. */
function h2v1Row(src: Uint8Array, s: number, sw: number, out: Uint8Array, o: number, width: number): void {
  for (let x = 0; x < width; x++) {
    const i = x >> 1;
    const here = 3 * src[s + i];
    if (x & 1) out[o + x] = i === sw - 1 ? src[s + i] : (here + src[s + i + 1] + 2) >> 2;
    else out[o + x] = i === 0 ? src[s] : (here + src[s + i - 1] + 1) >> 2;
  }
}

/** h2v2_fancy_upsample for one output row, from the column sums 3 * nearer row + farther row. */
function h2v2Row(sums: Int32Array, sw: number, out: Uint8Array, o: number, width: number): void {
  for (let x = 0; x < width; x++) {
    const i = x >> 1;
    const here = sums[i];
    if (x & 1) out[o + x] = i === sw - 1 ? (here * 4 + 7) >> 4 : (here * 3 + sums[i + 1] + 7) >> 4;
    else out[o + x] = i === 0 ? (here * 4 + 8) >> 4 : (here * 3 + sums[i - 1] + 8) >> 4;
  }
}
