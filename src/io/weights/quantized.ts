/**
 * The int8 layout of a weight file (`resnet50 quantize` writes it): for each quantized convolution
 * `K` (torchvision name, e.g. `layer1.0.conv2`),
 *
 *   K.weight        I8  [OC, C, KH, KW]  q = round(w / s[oc]) clamped to [-127, 127]
 *   K.weight_scale  F32 [OC]             s[oc] = max |w[oc]| / 127 (symmetric, per output channel)
 *   K.input_scale   F32 []               the activation scale: the input is read as u8 = round(x / a)
 *
 * Everything else (batch norm, the stem, the fc) stays as it was. Readers widen `K.weight` back to
 * float32 (q · s[oc]), so every backend loads the file; the int8 engine re-derives q exactly from it.
 * Per-channel symmetric scales commute with folding batch norm into the conv (a per-channel factor),
 * so the file keeps the unfolded torchvision layout. No file system here.
 */
import { FileFormatError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';

export const WEIGHT_SCALE = '.weight_scale';
export const INPUT_SCALE = '.input_scale';
/** Largest magnitude of a quantized weight (symmetric: -127 … 127, -128 unused). */
export const INT8_MAX = 127;

/** The int8 weight and per-output-channel scales of a float conv weight [OC, …]. */
export function quantizePerChannel(w: Tensor): { q: Tensor; scale: Tensor } {
  const oc = w.shape[0]!;
  const per = w.size / oc;
  const q = new Float32Array(w.size);
  const scale = new Float32Array(oc);
  for (let o = 0; o < oc; o++) {
    let max = 0;
    for (let i = o * per; i < (o + 1) * per; i++) max = Math.max(max, Math.abs(w.data[i]!));
    const s = max === 0 ? 1 : Math.fround(max / INT8_MAX);
    scale[o] = s;
    for (let i = o * per; i < (o + 1) * per; i++) {
      q[i] = Math.max(-INT8_MAX, Math.min(INT8_MAX, Math.round(w.data[i]! / s)));
    }
  }
  return { q: new Tensor(q, w.shape, 'int8'), scale: new Tensor(scale, [oc]) };
}

/**
 * The tensors of an int8 file with its quantized weights widened to float32 and its scale entries
 * removed; the activation scales by conv name. A file without scale entries comes back unchanged.
 * Refuses, naming the file and key, a scale without its weight, a weight of int8 values without its
 * scale, a scale of the wrong length, and a non-positive or non-finite scale.
 */
export function dequantizeWeights(
  tensors: Map<string, Tensor>,
  source: string,
): { tensors: Map<string, Tensor>; inputScales: Map<string, number> } {
  const inputScales = new Map<string, number>();
  const hasScales = [...tensors.keys()].some((k) => k.endsWith(WEIGHT_SCALE) || k.endsWith(INPUT_SCALE));
  const hasInt8 = [...tensors.values()].some((t) => t.dtype === 'int8');
  if (!hasScales && !hasInt8) return { tensors, inputScales };
  const out = new Map<string, Tensor>();
  for (const [key, t] of tensors) {
    if (key.endsWith(INPUT_SCALE)) {
      const conv = key.slice(0, -INPUT_SCALE.length);
      if (!tensors.has(`${conv}.weight`))
        throw new FileFormatError(`${source}: '${key}' has no weight '${conv}.weight' to go with it.`);
      if (t.size !== 1) throw new FileFormatError(`${source}: '${key}' must hold one value, got ${t.size}.`);
      inputScales.set(conv, checkScale(t.data[0]!, source, key));
      continue;
    }
    if (key.endsWith(WEIGHT_SCALE)) {
      const weight = `${key.slice(0, -WEIGHT_SCALE.length)}.weight`;
      if (!tensors.has(weight))
        throw new FileFormatError(`${source}: '${key}' has no weight '${weight}' to go with it.`);
      continue;
    }
    const scale = key.endsWith('.weight')
      ? tensors.get(`${key.slice(0, -'.weight'.length)}${WEIGHT_SCALE}`)
      : undefined;
    if (scale === undefined) {
      if (t.dtype === 'int8')
        throw new FileFormatError(
          `${source}: '${key}' holds int8 values but the file has no '${key}_scale' for them.`,
        );
      out.set(key, t);
      continue;
    }
    const oc = t.shape[0] ?? 0;
    if (scale.size !== oc || scale.shape.length !== 1)
      throw new FileFormatError(
        `${source}: '${key}_scale' must have one scale per output channel (${oc}), got shape [${scale.shape.join(', ')}].`,
      );
    const per = t.size / oc;
    const data = new Float32Array(t.size);
    for (let o = 0; o < oc; o++) {
      const s = checkScale(scale.data[o]!, source, `${key}_scale`);
      for (let i = o * per; i < (o + 1) * per; i++) {
        const q = t.data[i]!;
        if (!Number.isInteger(q) || Math.abs(q) > INT8_MAX + 1)
          throw new FileFormatError(
            `${source}: '${key}' has a scale, so it must hold int8 values; element ${i} is ${q}.`,
          );
        data[i] = q * s;
      }
    }
    out.set(key, new Tensor(data, t.shape));
  }
  return { tensors: out, inputScales };
}

/**
 * The activation scales of a quantized file's entries (from `K.input_scale`, one F32 value each)
 * by conv name, given each entry's dtype, element count and a reader of its float32 value; empty
 * for a file without them. A scale of another dtype or size, or not positive and finite, is refused
 * naming the file and key.
 */
export function activationScales(
  entries: ReadonlyMap<string, { dtype: string; size: number }>,
  readValue: (key: string) => number,
  source: string,
): Map<string, number> {
  const scales = new Map<string, number>();
  for (const [key, e] of entries) {
    if (!key.endsWith(INPUT_SCALE)) continue;
    if (e.dtype !== 'F32' || e.size !== 1)
      throw new FileFormatError(`${source}: '${key}' must hold one F32 value, got ${e.size} ${e.dtype}.`);
    scales.set(key.slice(0, -INPUT_SCALE.length), checkScale(readValue(key), source, key));
  }
  return scales;
}

function checkScale(s: number, source: string, key: string): number {
  if (!(Number.isFinite(s) && s > 0))
    throw new FileFormatError(`${source}: '${key}' must be a positive finite scale, got ${s}.`);
  return s;
}

/**
 * The tensors of an int8 file: every conv named in `inputScales` (its activation scale, > 0) is
 * stored as int8 values with per-channel scales; the rest is unchanged.
 */
export function quantizedStateDict(
  state: ReadonlyMap<string, Tensor>,
  inputScales: ReadonlyMap<string, number>,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, t] of state) {
    const conv = key.endsWith('.weight') ? key.slice(0, -'.weight'.length) : null;
    const a = conv === null ? undefined : inputScales.get(conv);
    if (a === undefined) {
      out.set(key, t);
      continue;
    }
    const { q, scale } = quantizePerChannel(t);
    out.set(key, q);
    out.set(`${conv}${WEIGHT_SCALE}`, scale);
    out.set(`${conv}${INPUT_SCALE}`, new Tensor(new Float32Array([a]), []));
  }
  return out;
}
