/**
 * Image preprocessing that reproduces torchvision 0.14 on PIL images bit for bit:
 * `Resize(size)` (Pillow's antialiased BILINEAR resampler, ported from Resample.c), `CenterCrop`,
 * `ToTensor` and `Normalize`, PIL's grayscale conversion, plus presets (named, or the one a trained
 * model records) and batching.
 */
import { ShapeError } from '../errors.js';
import type { RgbImage } from '../io/image.js';
import { Tensor, formatShape, sameShape } from '../tensor/tensor.js';

export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

export interface Preset {
  /**
   * torchvision `Resize(size)`: a number is the target length of the shorter side, `[height, width]`
   * the exact output size (the aspect ratio is not kept); null keeps the size.
   */
  resize: number | readonly [height: number, width: number] | null;
  /** Square center crop size, or null for no crop. */
  crop: number | null;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /**
   * A model trained on one-channel images (Fashion-MNIST): every image is first turned into PIL's
   * luminance and replicated to R = G = B, as training saw it.
   */
  grayscale: boolean;
}

/**
 * `imagenet-v1`: Resize(256) + CenterCrop(224) (torchvision's IMAGENET1K_V1 weights).
 * `imagenet-v2`: Resize(232) + CenterCrop(224) (IMAGENET1K_V2 weights).
 * `none`: no resize or crop; pixels are scaled to [0, 1] and normalized with the ImageNet mean/std.
 */
export const PRESETS = {
  'imagenet-v1': { resize: 256, crop: 224, mean: IMAGENET_MEAN, std: IMAGENET_STD, grayscale: false },
  'imagenet-v2': { resize: 232, crop: 224, mean: IMAGENET_MEAN, std: IMAGENET_STD, grayscale: false },
  none: { resize: null, crop: null, mean: IMAGENET_MEAN, std: IMAGENET_STD, grayscale: false },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;

/**
 * Runs a preset's full pipeline (grayscale, resize, crop, ToTensor + Normalize), returning a
 * (1, 3, H, W) float32 tensor (written into `reuse` when it has exactly the tensor's size);
 * `normalize` replaces the TypeScript pixel loop of the last step (toNormalizedTensor).
 */
export function preprocess(
  img: RgbImage,
  preset: PresetName | Preset,
  reuse?: Float32Array,
  normalize?: NormalizeRgb,
): Tensor {
  const p: Preset = typeof preset === 'string' ? PRESETS[preset] : preset;
  let image = p.grayscale ? grayscaleRgb(img) : img;
  if (typeof p.resize === 'number') image = resizeShorter(image, p.resize);
  else if (p.resize !== null) image = resizePil(image, p.resize[1], p.resize[0]);
  if (p.crop !== null) image = centerCrop(image, p.crop);
  return toNormalizedTensor(image, p.mean, p.std, reuse, normalize);
}

/** The side of the square network input a preset produces (its crop or exact square resize), if fixed. */
export function presetInputSize(preset: Preset): number | null {
  if (preset.crop !== null) return preset.crop;
  const r = preset.resize;
  return r !== null && typeof r !== 'number' && r[0] === r[1] ? r[0] : null;
}

/**
 * PIL's `convert('L')` (ITU-R 601-2 luma in Pillow's fixed point, Convert.c `L24`) replicated to
 * R = G = B: what a model trained on one-channel images sees of a colour image; a gray image is
 * unchanged.
 */
export function grayscaleRgb(img: RgbImage): RgbImage {
  const { width, height, data } = img;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 3) {
    const l = (data[i] * 19595 + data[i + 1] * 38470 + data[i + 2] * 7471 + 0x8000) >>> 16;
    out[i] = l;
    out[i + 1] = l;
    out[i + 2] = l;
  }
  return { width, height, data: out };
}

/** torchvision 0.14 `Resize(size)`: shorter side becomes `size`, longer side `int(size * long / short)`. */
export function resizeShorter(img: RgbImage, size: number): RgbImage {
  const { width: w, height: h } = img;
  const [short, long] = w <= h ? [w, h] : [h, w];
  const newLong = Math.trunc((size * long) / short);
  return w <= h ? resizePil(img, size, newLong) : resizePil(img, newLong, size);
}

const PRECISION_BITS = 22;

interface Coeffs {
  ksize: number;
  bounds: Int32Array; // per output pixel: [xmin, count]
  kk: Int32Array; // fixed-point weights, ksize per output pixel
}

/** Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the BILINEAR (triangle) filter. */
function precomputeCoeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1.0);
  const support = 1.0 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1.0 / filterscale;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const count = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0.0;
    for (let x = 0; x < count; x++) {
      const w = Math.max(0, 1.0 - Math.abs((x + xmin - center + 0.5) * ss));
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < count; x++) {
      const w = (ww !== 0.0 ? k[x] / ww : k[x]) * (1 << PRECISION_BITS);
      kk[xx * ksize + x] = Math.trunc(w < 0 ? w - 0.5 : w + 0.5);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = count;
  }
  return { ksize, bounds, kk };
}

/** Pillow's clip8: fixed-point sum back to a byte. Sums stay below 2^31, so `>>` is exact. */
function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Resamples one axis of an HWC RGB buffer (Pillow's `ImagingResample{Horizontal,Vertical}_8bpc`).
 * A "line" runs along the resized axis; `sampleStep` is the byte distance between neighbouring
 * samples on a line (same in `src` and `dst`), `srcLineStep`/`dstLineStep` between line starts.
 */
function resampleAxis(
  src: Uint8Array,
  dst: Uint8Array,
  c: Coeffs,
  lines: number,
  outSize: number,
  srcLineStep: number,
  dstLineStep: number,
  sampleStep: number,
): void {
  const half = 1 << (PRECISION_BITS - 1);
  for (let line = 0; line < lines; line++) {
    const srcBase = line * srcLineStep;
    const dstBase = line * dstLineStep;
    for (let xx = 0; xx < outSize; xx++) {
      const xmin = c.bounds[xx * 2];
      const count = c.bounds[xx * 2 + 1];
      const kOff = xx * c.ksize;
      let s0 = half;
      let s1 = half;
      let s2 = half;
      for (let x = 0; x < count; x++) {
        const w = c.kk[kOff + x];
        const p = srcBase + (x + xmin) * sampleStep;
        s0 += src[p] * w;
        s1 += src[p + 1] * w;
        s2 += src[p + 2] * w;
      }
      const q = dstBase + xx * sampleStep;
      dst[q] = clip8(s0);
      dst[q + 1] = clip8(s1);
      dst[q + 2] = clip8(s2);
    }
  }
}

/**
 * Exact port of Pillow's `ImagingResample` (8-bit, BILINEAR, no box): horizontal pass into an
 * 8-bit intermediate, then vertical; each pass runs only if that dimension changes.
 */
export function resizePil(img: RgbImage, outW: number, outH: number): RgbImage {
  if (!Number.isInteger(outW) || !Number.isInteger(outH) || outW < 1 || outH < 1) {
    throw new ShapeError(`Cannot resize an image to ${outW}x${outH}.`);
  }
  const { width: inW, height: inH } = img;
  let data = img.data;
  if (outW !== inW) {
    const tmp = new Uint8Array(outW * inH * 3);
    resampleAxis(data, tmp, precomputeCoeffs(inW, outW), inH, outW, inW * 3, outW * 3, 3);
    data = tmp;
  }
  if (outH !== inH) {
    const tmp = new Uint8Array(outW * outH * 3);
    resampleAxis(data, tmp, precomputeCoeffs(inH, outH), outW, outH, 3, 3, outW * 3);
    data = tmp;
  }
  return { width: outW, height: outH, data: data === img.data ? data.slice() : data };
}

/** Python's `round()` (round half to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision 0.14 `CenterCrop(size)`: offsets `int(round((H - size) / 2.0))`; a crop larger than
 * the image is zero-padded first (left/top pad `(size - W) // 2`).
 */
export function centerCrop(img: RgbImage, size: number): RgbImage {
  return cropWithPadding(img, size, size);
}

function cropWithPadding(img: RgbImage, cropW: number, cropH: number): RgbImage {
  const offset = (inSize: number, crop: number): number =>
    crop > inSize ? -Math.floor((crop - inSize) / 2) : roundHalfEven((inSize - crop) / 2.0);
  const left = offset(img.width, cropW);
  const top = offset(img.height, cropH);
  const out = new Uint8Array(cropW * cropH * 3);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(cropW, img.width - left);
  for (let y = Math.max(0, -top); y < Math.min(cropH, img.height - top); y++) {
    const src = ((y + top) * img.width + x0 + left) * 3;
    out.set(img.data.subarray(src, src + (x1 - x0) * 3), (y * cropW + x0) * 3);
  }
  return { width: cropW, height: cropH, data: out };
}

/**
 * Writes the three planes of `out` from interleaved 8-bit RGB through three 256-entry tables:
 * `out[c·n + i] = tables[c·256 + rgb[3i + c]]` with n = rgb.length / 3. The TypeScript loop below,
 * or the native engine's (the same floats, faster), which `tasks/` hands down.
 */
export type NormalizeRgb = (rgb: Uint8Array, tables: Float32Array, out: Float32Array) => void;

/** The TypeScript NormalizeRgb: one pass over the interleaved pixels, writing the three planes. */
export const normalizeRgbTs: NormalizeRgb = (rgb, tables, out) => {
  const plane = rgb.length / 3;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[i] = tables[rgb[j]];
    out[plane + i] = tables[256 + rgb[j + 1]];
    out[2 * plane + i] = tables[512 + rgb[j + 2]];
  }
};

/** ((v / 255) - mean[c]) / std[c] for every byte v and channel c, each step rounded to float32. */
function normalizeTables(mean: readonly number[], std: readonly number[]): Float32Array {
  const f = Math.fround;
  const tables = new Float32Array(768);
  for (let c = 0; c < 3; c++) {
    const m = f(mean[c]);
    const s = f(std[c]);
    for (let v = 0; v < 256; v++) tables[c * 256 + v] = f(f(f(v / 255) - m) / s);
  }
  return tables;
}

/**
 * torchvision `ToTensor()` + `Normalize(mean, std)` in float32: `((v / 255) - mean) / std`, each
 * step rounded to float32 as torch does. Returns shape (1, 3, H, W), in `reuse` when it has exactly
 * that size (a server recycling its buffers), else in a new buffer; `normalize` does the pixels.
 */
export function toNormalizedTensor(
  img: RgbImage,
  mean: readonly number[] = IMAGENET_MEAN,
  std: readonly number[] = IMAGENET_STD,
  reuse?: Float32Array,
  normalize: NormalizeRgb = normalizeRgbTs,
): Tensor {
  const { width, height, data } = img;
  const size = 3 * width * height;
  const out = reuse?.length === size ? reuse : new Float32Array(size);
  normalize(data, normalizeTables(mean, std), out);
  return new Tensor(out, [1, 3, height, width]);
}

/**
 * The shape (1, C, H, W) that `tensors` share, for stacking them into one batch; a ShapeError when
 * there are none, one is not (1, C, H, W), or their sizes differ.
 */
export function batchableShape(tensors: readonly Tensor[]): readonly number[] {
  if (tensors.length === 0) throw new ShapeError('Cannot batch an empty list of images.');
  const first = tensors[0].shape;
  if (first.length !== 4 || first[0] !== 1) {
    throw new ShapeError(`Cannot batch a tensor of shape ${formatShape(first)}; expected (1, C, H, W).`);
  }
  const other = tensors.find((t) => !sameShape(t.shape, first));
  if (other !== undefined) {
    throw new ShapeError(
      `Cannot batch images of different sizes: ${formatShape(other.shape)} vs ${formatShape(first)}.`,
    );
  }
  return first;
}

/**
 * Stacks (1, 3, H, W) tensors into one (N, 3, H, W) batch; all must share the same shape.
 */
export function batchTensors(tensors: readonly Tensor[]): Tensor {
  const shape = batchableShape(tensors);
  const out = new Float32Array(tensors.length * tensors[0].size);
  tensors.forEach((t, i) => out.set(t.data, i * t.size));
  return new Tensor(out, [tensors.length, ...shape.slice(1)]);
}
