/**
 * A model ready to answer a page: weights parsed from bytes by the same safe readers as Node's, the
 * model shaped for them (model card: arch, classes, preprocessing), a runner on a registered backend,
 * and the three questions a page asks of an RGB image: classify (top-k with labels and the logits),
 * embed (pooled features or a stage's maps) and a class activation map (Grad-CAM by default, on the
 * op-by-op path, with its box), or classify and CAM of one image together (analyze). The image goes
 * through the same PIL-exact preprocessing as in Node. Every answer says how long its preprocessing
 * and its inference took. No platform: the worker (serve.ts) holds one session, and Node tests run
 * it directly.
 */
import { listBackends } from '../backends/registry.js';
import { PRESETS, preprocess, type Preset, type PresetName } from '../data/transforms.js';
import { FileFormatError, OptionError, UserError } from '../errors.js';
import type { RgbImage } from '../io/rgb_image.js';
import { parseWeights, parseWeightsMetadata, type LoadWeightsOptions } from '../io/weights/parse.js';
import type { ArchName, ResNet } from '../model/resnet.js';
import { softmax } from '../ops/index.js';
import { checkFinite } from '../tensor/finite.js';
import type { Tensor } from '../tensor/tensor.js';
import { boxFromHeatmap, type Box, type Heatmap } from '../tasks/cam_box.js';
import type { CamMethod } from '../tasks/cam_maps.js';
import { camInput, computeCamOn, DEFAULT_CAM_SIZE, type CamLayer } from '../tasks/cam_pass.js';
import { parseRecordedCard, type RecordedCard } from '../tasks/model_card.js';
import { checkBackendName, runnerOn, type Runner } from '../tasks/plan_runner.js';
import { checkTopK, EMBED_LAYERS, topK, type EmbedLayer, type Prediction } from '../tasks/results.js';
import { checkArch, modelForWeights } from '../tasks/weights_model.js';

/** Backends a session prefers, fastest first, when none is named: the first registered one is used. */
export const BACKEND_PREFERENCE: readonly string[] = ['wasm', 'js'];

/** The backend named, checked, or the first of BACKEND_PREFERENCE that is registered. */
export function sessionBackend(requested?: string): string {
  if (requested !== undefined) {
    checkBackendName(requested);
    return requested;
  }
  return BACKEND_PREFERENCE.find((name) => listBackends().includes(name)) ?? 'js';
}

export interface SessionOptions {
  /** A registered backend; default the first of BACKEND_PREFERENCE registered ('wasm', else 'js'). */
  backend?: string;
  /** resnet18 … resnet152; default the weights' (recorded, or recognized from their layers). */
  arch?: string;
  /** Class names, one per output; default what the weights record, else `class N`. */
  labels?: readonly string[];
  /** The preprocessing (also of CAM inputs: its colour steps); default what the weights record, else imagenet-v1. */
  preprocess?: PresetName | Preset;
  /**
   * What the backend runs, for SessionInfo, as whoever registered it reports (the worker: its
   * WebAssembly engine's threads and build); default one thread and no WebAssembly build.
   */
  engine?: SessionEngine;
}

/** Where a session's backend runs: its threads and, on 'wasm', which SIMD build. */
export interface SessionEngine {
  threads: number;
  /** The WebAssembly build: relaxed SIMD (fused multiply-add) or plain SIMD128; null off wasm. */
  build: 'relaxed' | 'simd' | null;
}

/** How long an answer took where it was computed (the worker), in milliseconds. */
export interface RequestTimings {
  /** Decoding (in the worker) and preprocessing the image into the network's input. */
  preprocessMs: number;
  /** The network (for CAM: the forward and backward pass and the map). */
  inferenceMs: number;
}

/** What a page gets back from load: the model's card and where it runs. */
export interface SessionInfo extends SessionEngine {
  backend: string;
  arch: ArchName;
  numClasses: number;
  classNames: readonly string[];
  preprocess: Preset;
}

export interface ClassifyResult {
  top: Prediction[];
  /** The logits, one per class. */
  logits: Float32Array;
  timings: RequestTimings;
}

export interface EmbedResult {
  layer: EmbedLayer;
  /** Without the batch axis: [C] for pool, [C, H, W] for a stage. */
  shape: number[];
  data: Float32Array;
  timings: RequestTimings;
}

export interface CamRequest {
  /** Default 'gradcam'. */
  method?: CamMethod;
  /** Default 'layer4'. */
  layer?: CamLayer;
  /** The target class; default the top-1. */
  classIndex?: number;
  /** Shorter side of the network input (the whole image, no crop); default 224. */
  size?: number;
  /** Box threshold as a fraction of the map's maximum, in (0, 1] (default 0.2). */
  threshold?: number;
}

export interface CamAnswer {
  classIndex: number;
  label: string;
  /** Softmax probability of the class. */
  score: number;
  logit: number;
  /** At the layer's resolution, normalized to [0, 1]. */
  heatmap: Heatmap;
  /** The region above the threshold, in the image's pixels. */
  box: Box;
  timings: RequestTimings;
}

/** What analyze asks: classify's top-k, and a CAM (of the top-1 unless it names a class). */
export interface AnalyzeRequest {
  topK?: number;
  cam?: CamRequest;
}

export interface AnalyzeResult {
  classify: ClassifyResult;
  cam: CamAnswer;
}

export interface Session {
  readonly info: SessionInfo;
  classify(image: RgbImage, options?: { topK?: number }): Promise<ClassifyResult>;
  embed(image: RgbImage, options?: { layer?: EmbedLayer }): Promise<EmbedResult>;
  cam(image: RgbImage, options?: CamRequest): CamAnswer;
  /** classify and cam of one image (one decode in the worker); the CAM's class defaults to the top-1. */
  analyze(image: RgbImage, options?: AnalyzeRequest): Promise<AnalyzeResult>;
  dispose(): void;
}

const classNamesOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `class ${i}`);

/** Weights parsed for a session: the tensors, what they record of their card, their class count. */
export interface ParsedWeights {
  name: string;
  tensors: Map<string, Tensor>;
  recorded: RecordedCard;
  /** Rows of fc.weight (the class count), or null for weights without a head. */
  numClasses: number | null;
}

/** Parses weights bytes (`name` in messages) by the same readers as Node's loadWeightsFile. */
export function parseSessionWeights(
  bytes: Uint8Array,
  name: string,
  options: LoadWeightsOptions = {},
): ParsedWeights {
  const tensors = parseWeights(bytes, name, options);
  const recorded = parseRecordedCard(parseWeightsMetadata(bytes, name), name);
  return { name, tensors, recorded, numClasses: tensors.get('fc.weight')?.shape[0] ?? null };
}

/** A session on parsed weights. */
export function createSession(weights: ParsedWeights, options: SessionOptions = {}): Session {
  const backend = sessionBackend(options.backend);
  const given = options.arch === undefined ? null : checkArch(options.arch);
  const { name, tensors, recorded } = weights;
  const shapes = new Map([...tensors].map(([k, t]) => [k, t.shape]));
  const origin = { name, arch: given ?? recorded.arch ?? null, recorded, preprocess: PRESETS['imagenet-v1'] };
  const { model, arch, card } = modelForWeights(shapes, origin, {}, classNamesOf);
  model.loadStateDict(tensors, { source: name });
  const labels = options.labels ?? card.classNames;
  if (labels.length !== card.numClasses) {
    throw new FileFormatError(
      `labels: has ${labels.length} labels but the model has ${card.numClasses} classes.`,
    );
  }
  const info: SessionInfo = {
    backend,
    threads: options.engine?.threads ?? 1,
    build: options.engine?.build ?? null,
    arch,
    numClasses: card.numClasses,
    classNames: labels,
    preprocess: options.preprocess === undefined ? card.preprocess : presetOf(options.preprocess),
  };
  return sessionOn(runnerOn(model, backend), model, weights.numClasses !== null, info);
}

function presetOf(preset: PresetName | Preset): Preset {
  if (typeof preset !== 'string') return preset;
  if (!Object.prototype.hasOwnProperty.call(PRESETS, preset)) {
    throw new OptionError(`{preprocess} must be one of ${Object.keys(PRESETS).join(', ')}, got '${preset}'.`);
  }
  return PRESETS[preset];
}

/** Milliseconds since `start` (performance.now: pages, workers and Node have it). */
const since = (start: number): number => performance.now() - start;

function sessionOn(runner: Runner, model: ResNet, hasHead: boolean, info: SessionInfo): Session {
  const input = (image: RgbImage): Tensor => preprocess(image, info.preprocess);
  const classify: Session['classify'] = async (image, options = {}) => {
    const k = checkTopK(options.topK ?? 5);
    if (!hasHead) throw new UserError('These weights have no classifier head (fc); embed images instead.');
    const t0 = performance.now();
    const x = input(image);
    const t1 = performance.now();
    const logits = await runner.forward(x);
    const inferenceMs = since(t1);
    checkFinite(logits, "the model's output");
    const probabilities = softmax(logits).data;
    return {
      top: topK(probabilities, Math.min(k, probabilities.length), info.classNames),
      logits: logits.data,
      timings: { preprocessMs: t1 - t0, inferenceMs },
    };
  };
  const cam: Session['cam'] = (image, options = {}) => {
    const t0 = performance.now();
    const x = camInput(image, options.size ?? DEFAULT_CAM_SIZE, info.preprocess);
    const t1 = performance.now();
    const [r] = computeCamOn(model, x, info.backend, {
      method: options.method,
      layer: options.layer,
      classIndex: options.classIndex,
    });
    const inferenceMs = since(t1);
    const box = boxFromHeatmap(r.heatmap, image.width, image.height, options.threshold);
    return {
      ...r,
      label: info.classNames[r.classIndex],
      box,
      timings: { preprocessMs: t1 - t0, inferenceMs },
    };
  };
  return {
    info,
    classify,
    async embed(image, options = {}) {
      const layer = options.layer ?? 'pool';
      if (!(EMBED_LAYERS as readonly string[]).includes(layer)) {
        throw new OptionError(`{layer} must be one of ${EMBED_LAYERS.join(', ')}, got '${layer}'.`);
      }
      const t0 = performance.now();
      const x = input(image);
      const t1 = performance.now();
      const t = await runner.features(x, layer);
      return {
        layer,
        shape: t.shape.slice(1),
        data: t.data,
        timings: { preprocessMs: t1 - t0, inferenceMs: since(t1) },
      };
    },
    cam,
    async analyze(image, options = {}) {
      const classified = await classify(image, { topK: options.topK });
      const classIndex = options.cam?.classIndex ?? classified.top[0]!.classIndex;
      return { classify: classified, cam: cam(image, { ...options.cam, classIndex }) };
    },
    dispose: () => runner.dispose(),
  };
}
