/**
 * The passes of class activation maps (see cam.ts): one forward on the module tree, and for the
 * gradient methods one backward from the target logits to the chosen stage, on a backend already
 * resolved. No files and no platform: Node's cam.ts and the browser's session both call it.
 */
import { preprocess, PRESETS, type Preset } from '../data/transforms.js';
import { withBackend } from '../backends/registry.js';
import type { RgbImage } from '../io/rgb_image.js';
import { MIN_INPUT_SIZE, type ResNet } from '../model/resnet.js';
import { BatchNorm2d } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { softmax } from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { OptionError, ShapeError, UserError } from '../errors.js';
import { activationMap, CAM_METHODS, type CamMethod } from './cam_maps.js';
import type { Heatmap } from './cam_box.js';

/** Stages a map can be taken from (stem = after the max-pool). */
export const CAM_LAYERS = ['stem', 'layer1', 'layer2', 'layer3', 'layer4'] as const;
export type CamLayer = (typeof CAM_LAYERS)[number];

const STAGES = ['layer1', 'layer2', 'layer3', 'layer4'] as const;
/** Network input for maps: the whole image, shorter side resized to this (no crop). */
export const DEFAULT_CAM_SIZE = 224;

export interface CamOptions {
  /** Default 'gradcam'. */
  method?: CamMethod;
  /** Default 'layer4'. */
  layer?: CamLayer;
  /** The target class: one for every image or one per image; default each image's top-1. */
  classIndex?: number | readonly number[];
  /** 'native' or 'js'; default as createRunner (native when the addon is built). */
  backend?: string;
}

export interface CamResult {
  classIndex: number;
  /** Softmax probability of the class. */
  score: number;
  logit: number;
  /** At the layer's resolution, normalized to [0, 1]. */
  heatmap: Heatmap;
}

/** Checks a method and layer by name (for the CLI before anything is loaded, and the API). */
export function checkCamOptions(method: string, layer: string): void {
  if (!(CAM_METHODS as readonly string[]).includes(method)) {
    throw new OptionError(`{method} must be one of ${CAM_METHODS.join(', ')}, got '${method}'.`);
  }
  if (!(CAM_LAYERS as readonly string[]).includes(layer)) {
    throw new OptionError(`{layer} must be one of ${CAM_LAYERS.join(', ')}, got '${layer}'.`);
  }
  if (method === 'cam' && layer !== 'layer4') {
    throw new OptionError(
      `{method} cam works only at {layer} layer4 (the maps the pool and fc see), not {layer} ${layer}; use {method} gradcam there.`,
    );
  }
}

/** Checks a method and layer for this model (a classifier with its average-pool and fc head). */
export function checkCamModel(model: ResNet, method: string, layer: string): void {
  checkCamOptions(method, layer);
  if (model.fc === null || model.options.pooling !== 'avg') {
    throw new UserError(
      'Class activation maps need a classifier with its average-pool and fc head (includeTop, pooling avg).',
    );
  }
}

/** The target class of each of N images; null where it is the top-1 (known after the forward). */
export function targetClasses(classIndex: CamOptions['classIndex'], N: number, K: number): (number | null)[] {
  const given = classIndex === undefined ? [] : typeof classIndex === 'number' ? [classIndex] : classIndex;
  if (typeof classIndex === 'object' && given.length !== N) {
    throw new ShapeError(`classIndex has ${given.length} entries for a batch of ${N} images.`);
  }
  for (const k of given) {
    if (!Number.isInteger(k) || k < 0 || k >= K) {
      throw new OptionError(`{classIndex} ${k} is out of range: the model has ${K} classes (0..${K - 1}).`);
    }
  }
  return Array.from({ length: N }, (_, n) => (given.length === 0 ? null : given[given.length === 1 ? 0 : n]));
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Parameter gradients of the modules below `roots`, to put back after a backward pass we only want dA from. */
function saveGrads(roots: readonly Module[]): () => void {
  const saved = roots.flatMap((root) =>
    root.namedModules().map(([, m]) => ({
      module: m,
      grads: [...m.grads].map(([name, t]) => ({ name, t, data: t.data.slice() })),
    })),
  );
  return () => {
    for (const { module, grads } of saved) {
      module.grads.clear();
      for (const { name, t, data } of grads) {
        t.data.set(data);
        module.grads.set(name, t);
      }
    }
  };
}

/**
 * Maps of a preprocessed batch x (N, 3, H, W) for each image's target class, in one forward (and,
 * for the gradient methods, one backward) pass on the named (registered) backend.
 */
export function computeCamOn(
  model: ResNet,
  x: Tensor,
  backend: string,
  options: Omit<CamOptions, 'backend'> = {},
): CamResult[] {
  const method = options.method ?? 'gradcam';
  const layer = options.layer ?? 'layer4';
  checkCamModel(model, method, layer);
  const fc = model.fc!;
  const avgpool = model.avgpool!;
  const K = fc.outFeatures;
  const N = x.shape[0];
  const requested = targetClasses(options.classIndex, N, K);
  const after = STAGES.slice(CAM_LAYERS.indexOf(layer)).map((name) => model[name]);
  const recorded: Module[] = method === 'cam' ? [] : [...after, avgpool, fc];
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  const restoreGrads = saveGrads(recorded);
  try {
    model.eval();
    for (const root of recorded) {
      for (const [, m] of root.namedModules()) m.training = !(m instanceof BatchNorm2d);
    }
    return withBackend(backend, () => {
      const features = model.forwardFeatures(x);
      const logits = fc.call(features.pool!);
      const probabilities = softmax(logits);
      const classes = requested.map((k, n) => k ?? argmax(logits.data.subarray(n * K, (n + 1) * K)));
      let gradients: Tensor | null = null;
      if (method !== 'cam') {
        const dlogits = Tensor.zeros([N, K]);
        classes.forEach((k, n) => (dlogits.data[n * K + k] = 1));
        const dpool = fc.backward(dlogits);
        let d = avgpool.backward(dpool.reshape([N, dpool.shape[1], 1, 1]));
        for (const stage of [...after].reverse()) d = stage.backward(d);
        gradients = d;
      }
      const A = features[layer];
      const [, C, h, w] = A.shape;
      const size = C * h * w;
      return classes.map((k, n) => ({
        classIndex: k,
        score: probabilities.data[n * K + k],
        logit: logits.data[n * K + k],
        heatmap: {
          width: w,
          height: h,
          data: activationMap(
            method,
            A.data.subarray(n * size, (n + 1) * size),
            gradients?.data.subarray(n * size, (n + 1) * size) ?? null,
            fc.weight.data.subarray(k * C, (k + 1) * C),
            C,
            h * w,
          ),
        },
      }));
    });
  } finally {
    for (const [m, training] of modes) m.training = training;
    restoreGrads();
  }
}

/**
 * The network input for maps: the whole image resized (PIL-exact) to shorter side `size`, then the
 * colour steps of `preset` (grayscale, mean/std; its resize and crop are not used).
 */
export function camInput(image: RgbImage, size = DEFAULT_CAM_SIZE, preset: Preset = PRESETS.none): Tensor {
  if (!Number.isInteger(size) || size < MIN_INPUT_SIZE) {
    throw new OptionError(`{size} must be an integer ≥ ${MIN_INPUT_SIZE}, got ${size}.`);
  }
  return preprocess(image, { ...preset, resize: size, crop: null });
}
