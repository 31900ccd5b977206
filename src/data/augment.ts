/**
 * Training-time transforms on RGB images, driven by a seeded `Rng` so that every sample's
 * augmentation is reproducible: torchvision's `RandomResizedCrop` (same parameter sampling, then
 * Pillow-exact bilinear resize) and `RandomHorizontalFlip`, grayscale → RGB for IDX images, and a
 * `TrainTransform` config that ends in ToTensor + Normalize as a CHW Float32Array.
 */
import { UserError } from '../errors.js';
import type { RgbImage } from '../io/rgb_image.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  PRESETS,
  preprocess,
  resizePil,
  toNormalizedTensor,
  type Preset,
  type PresetName,
} from './transforms.js';

type Triple = readonly [number, number, number];

/** Normalization of a transform: defaults to ImageNet's (or the preset's) mean and std. */
export interface NormalizeOptions {
  mean?: Triple;
  std?: Triple;
}

/**
 * `standard`: RandomResizedCrop(size, scale, ratio) + RandomHorizontalFlip(flipProbability).
 * `crop`: RandomCrop(the image's own size, padding, zero fill) + RandomHorizontalFlip(flipProbability)
 * on the source image, then the evaluation preprocessing as `none` (the small-image recipe of CIFAR
 * and Fashion-MNIST: pad 4, crop 28 or 32, flip).
 * `none`: the evaluation preprocessing: a preset's resize + center crop, or a plain resize to
 * `size`×`size` (for small images such as 28×28 → 32×32), or nothing when neither is given.
 */
export type TrainTransform =
  | ({
      kind: 'standard';
      size: number;
      scale?: readonly [number, number];
      ratio?: readonly [number, number];
      flipProbability?: number;
    } & NormalizeOptions)
  | ({
      kind: 'crop';
      preset?: PresetName;
      size?: number;
      padding?: number;
      flipProbability?: number;
    } & NormalizeOptions)
  | ({ kind: 'none'; preset?: PresetName; size?: number } & NormalizeOptions);

/** A transform that ends in the evaluation preprocessing (`none`, and `crop` after its random crop). */
export type EvalTransform = Exclude<TrainTransform, { kind: 'standard' }>;

/** Default zero padding of the `crop` transform, in source pixels (torchvision's CIFAR recipe). */
export const DEFAULT_CROP_PADDING = 4;

/** A crop box in pixels. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Python's `round()` (half to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function checkRange(name: string, r: readonly [number, number], positive: boolean): void {
  const [a, b] = r;
  if (!Number.isFinite(a) || !Number.isFinite(b) || a > b || (positive ? a <= 0 : a < 0)) {
    throw new UserError(
      `Invalid ${name} range [${a}, ${b}]: expected ${positive ? '0 <' : '0 <='} min <= max.`,
    );
  }
}

/**
 * torchvision `RandomResizedCrop.get_params`: up to 10 draws of an area fraction in `scale` and a
 * log-uniform aspect ratio in `ratio`; the first box that fits is placed uniformly at random.
 * Otherwise a center crop whose ratio is clamped to `ratio`.
 */
export function randomResizedCropBox(
  width: number,
  height: number,
  rng: Rng,
  scale: readonly [number, number] = [0.08, 1.0],
  ratio: readonly [number, number] = [3 / 4, 4 / 3],
): CropBox {
  checkRange('scale', scale, false);
  checkRange('ratio', ratio, true);
  const area = width * height;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * (scale[0] + (scale[1] - scale[0]) * rng.uniform());
    const aspect = Math.exp(logLo + (logHi - logLo) * rng.uniform());
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = Math.floor(rng.uniform() * (height - h + 1));
      const left = Math.floor(rng.uniform() * (width - w + 1));
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) {
    h = roundHalfEven(w / ratio[0]);
  } else if (inRatio > ratio[1]) {
    w = roundHalfEven(h * ratio[1]);
  }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/** Copies a box that lies inside the image (PIL `Image.crop`). */
export function crop(img: RgbImage, box: CropBox): RgbImage {
  const { top, left, height, width } = box;
  if (
    top < 0 ||
    left < 0 ||
    width < 1 ||
    height < 1 ||
    left + width > img.width ||
    top + height > img.height
  ) {
    throw new UserError(
      `Crop box ${width}x${height} at (${left}, ${top}) does not fit a ${img.width}x${img.height} image.`,
    );
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const src = ((top + y) * img.width + left) * 3;
    out.set(img.data.subarray(src, src + width * 3), y * width * 3);
  }
  return { width, height, data: out };
}

/** torchvision `RandomResizedCrop(size)` on a PIL image: sampled box, then bilinear resize. */
export function randomResizedCrop(
  img: RgbImage,
  size: number,
  rng: Rng,
  scale: readonly [number, number] = [0.08, 1.0],
  ratio: readonly [number, number] = [3 / 4, 4 / 3],
): RgbImage {
  const box = randomResizedCropBox(img.width, img.height, rng, scale, ratio);
  return resizePil(crop(img, box), size, size);
}

/**
 * torchvision `RandomCrop(size=(H, W), padding)` with zero fill: the image padded by `padding` black
 * pixels on every side, and an H×W window of it at a uniformly drawn offset (top, then left).
 */
export function randomPaddedCrop(img: RgbImage, padding: number, rng: Rng): RgbImage {
  const { width, height, data } = img;
  const top = Math.floor(rng.uniform() * (2 * padding + 1)) - padding;
  const left = Math.floor(rng.uniform() * (2 * padding + 1)) - padding;
  const out = new Uint8Array(data.length);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(width, width - left);
  for (let y = 0; y < height; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= height || x1 <= x0) continue;
    const src = (sy * width + x0 + left) * 3;
    out.set(data.subarray(src, src + (x1 - x0) * 3), (y * width + x0) * 3);
  }
  return { width, height, data: out };
}

/** Mirrors an image left–right. */
export function horizontalFlip(img: RgbImage): RgbImage {
  const { width, height, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const s = row + x * 3;
      const d = row + (width - 1 - x) * 3;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return { width, height, data: out };
}

/** torchvision `RandomHorizontalFlip(p)`: one draw; flips when it is below `p`. */
export function randomHorizontalFlip(img: RgbImage, rng: Rng, p = 0.5): RgbImage {
  return rng.uniform() < p ? horizontalFlip(img) : img;
}

/** A one-channel H×W u8 array (e.g. an IDX image) as RGB with R = G = B. */
export function grayToRgb(gray: Uint8Array, width: number, height: number): RgbImage {
  const n = width * height;
  if (gray.length !== n) {
    throw new UserError(`A ${width}x${height} grayscale image needs ${n} bytes, got ${gray.length}.`);
  }
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = gray[i];
    data[i * 3] = v;
    data[i * 3 + 1] = v;
    data[i * 3 + 2] = v;
  }
  return { width, height, data };
}

/** Resizes to exactly `width`×`height` (Pillow bilinear); a copy when the size already matches. */
export function resize(img: RgbImage, width: number, height: number): RgbImage {
  return resizePil(img, width, height);
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1)
    throw new UserError(`Invalid image size ${size}: expected an integer >= 1.`);
}

function checkFlipProbability(p: number | undefined): void {
  if (p !== undefined && !(p >= 0 && p <= 1)) throw new UserError(`Invalid flip probability ${p}.`);
}

/** Checks a transform config; throws a UserError naming the bad field. */
export function validateTransform(t: TrainTransform): void {
  if (t.kind === 'standard') {
    checkSize(t.size);
    if (t.scale) checkRange('scale', t.scale, false);
    if (t.ratio) checkRange('ratio', t.ratio, true);
    checkFlipProbability(t.flipProbability);
  } else if (t.kind === 'none' || t.kind === 'crop') {
    if (t.kind === 'crop') {
      const pad = t.padding;
      if (pad !== undefined && !(Number.isInteger(pad) && pad >= 0)) {
        throw new UserError(`Invalid crop padding ${pad}: expected an integer >= 0.`);
      }
      checkFlipProbability(t.flipProbability);
    }
    if (t.preset !== undefined && t.size !== undefined) {
      throw new UserError('A "none" transform takes either a preset or a size, not both.');
    }
    if (t.preset !== undefined && !(t.preset in PRESETS)) {
      throw new UserError(
        `Unknown preset "${t.preset}" (expected one of ${Object.keys(PRESETS).join(', ')}).`,
      );
    }
    if (t.size !== undefined) checkSize(t.size);
  } else {
    throw new UserError(
      `Unknown transform kind "${(t as { kind: string }).kind}" (expected standard, crop or none).`,
    );
  }
}

/** A transformed sample: normalized CHW float32 pixels. */
export interface TransformedImage {
  data: Float32Array;
  height: number;
  width: number;
}

/**
 * The evaluation preprocessing of a `none` transform (which `crop` applies after its random crop) as
 * a preset: the preset's resize + center crop, or an exact `size`×`size` resize, or nothing; with the
 * transform's mean/std when given.
 */
export function evalPreset(t: EvalTransform): Preset {
  const p: Preset =
    t.preset !== undefined
      ? PRESETS[t.preset]
      : { ...PRESETS.none, resize: t.size === undefined ? null : [t.size, t.size] };
  return { ...p, mean: t.mean ?? p.mean, std: t.std ?? p.std };
}

/** Runs a TrainTransform on one image, then ToTensor + Normalize into a CHW Float32Array. */
export function applyTransform(img: RgbImage, t: TrainTransform, rng: Rng): TransformedImage {
  let out = img;
  let tensor: Tensor;
  if (t.kind === 'standard') {
    out = randomResizedCrop(out, t.size, rng, t.scale, t.ratio);
    out = randomHorizontalFlip(out, rng, t.flipProbability ?? 0.5);
    tensor = toNormalizedTensor(out, t.mean ?? IMAGENET_MEAN, t.std ?? IMAGENET_STD);
  } else {
    if (t.kind === 'crop') {
      out = randomPaddedCrop(out, t.padding ?? DEFAULT_CROP_PADDING, rng);
      out = randomHorizontalFlip(out, rng, t.flipProbability ?? 0.5);
    }
    tensor = preprocess(out, evalPreset(t));
  }
  const [, , height, width] = tensor.shape;
  return { data: tensor.data, height, width };
}
