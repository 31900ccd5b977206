/**
 * Class activation maps: where in an image the network finds a class, from our own backward pass.
 * The map arithmetic (CAM, Grad-CAM, Grad-CAM++ and normalization) is cam_maps.ts's, the box
 * cam_box.ts's; here are the passes that produce A and dlogit/dA, and the files: batching, the
 * worker, overlays. The class score is the logit, before the softmax, as in the Grad-CAM paper and
 * pytorch-grad-cam.
 *
 * Gradients come from the module tree: the stages after the chosen one, the pool and fc record their
 * forward in training mode, except batch norm, which stays in eval mode (running statistics are used
 * and not updated; its backward is the fixed affine map). Parameter gradients computed on the way are
 * discarded, so the model is left as it was.
 */
import { batchTensors, presetInputSize, PRESETS, type Preset } from '../data/transforms.js';
import type { FetchOptions } from '../io/download.js';
import { imageName, writePng, type ImageSource, type RgbImage } from '../io/image.js';
import type { ResNet } from '../model/resnet.js';
import type { Tensor } from '../tensor/tensor.js';
import { overlayHeatmap } from '../viz/overlay.js';
import { runInWorker } from '../runtime/in_worker.js';
import {
  checkOnePathPerImage,
  dispatchImageEvents,
  prepareOrSkip,
  readInputImage,
  reportingCallbacks,
  type ImageCallbacks,
  type ImageEvent,
  type ImageFailure,
  type ImageJobEvent,
} from './input.js';
import { labelsFor } from './labels.js';
import { loadModel, resolveWeights } from './pretrained.js';
import { resolveBackend } from './runner.js';
import type { CamMethod } from './cam_maps.js';
import {
  checkThreshold,
  DEFAULT_BOX_THRESHOLD,
  thresholdBox,
  upsampleBilinear,
  type Box,
} from './cam_box.js';
import {
  camInput,
  checkCamModel,
  checkCamOptions,
  computeCamOn,
  DEFAULT_CAM_SIZE,
  targetClasses,
  type CamLayer,
  type CamOptions,
  type CamResult,
} from './cam_pass.js';

export { CAM_METHODS, type CamMethod } from './cam_maps.js';
export {
  CAM_LAYERS,
  DEFAULT_CAM_SIZE,
  camInput,
  checkCamOptions,
  type CamLayer,
  type CamOptions,
  type CamResult,
} from './cam_pass.js';

/**
 * Maps of a preprocessed batch x (N, 3, H, W) for each image's target class, in one forward (and,
 * for the gradient methods, one backward) pass on the backend `options.backend` resolves to.
 */
export function computeCam(model: ResNet, x: Tensor, options: CamOptions = {}): CamResult[] {
  return computeCamOn(model, x, resolveBackend(options.backend), options);
}

export interface CamFileOptions extends ImageCallbacks<CamFileResult> {
  method?: CamMethod;
  layer?: CamLayer;
  /** The target class of every image; default each image's top-1. */
  classIndex?: number;
  backend?: string;
  /** Class names, indexed by class. */
  labels: readonly string[];
  /** Shorter side of the network input (default: the preprocessing's input size, else 224). */
  size?: number;
  /** The weights' preprocessing (a loaded model's `card.preprocess`; default ImageNet's mean/std). */
  preprocess?: Preset;
  /** Box threshold as a fraction of the map's maximum, in (0, 1] (default 0.2). */
  threshold?: number;
  /**
   * Images per pass (default 8); only images of equal input size share one. Images are read
   * 4 × batchSize at a time, and grouped by size within those.
   */
  batchSize?: number;
  /**
   * Called with each image (as read, full size) once its map is known, in pass order, e.g. to draw
   * an overlay; with it, images are held in memory until their pass is done.
   */
  onImage?: (index: number, image: RgbImage, result: CamFileResult) => void;
}

export interface CamFileResult extends CamResult {
  file: string;
  label: string;
  /** The original image's size, which `box` refers to. */
  width: number;
  height: number;
  /** In original image pixels: the largest 8-connected region ≥ threshold · max of the upsampled map. */
  box: Box;
}

/**
 * Maps and boxes of image files, in order. Images whose preprocessed sizes agree are batched
 * together (up to batchSize per pass); the others run separately. `onResult` and `onFailure` are
 * called in the order of the files, as soon as an image and all before it are done.
 */
export function camFiles(
  model: ResNet,
  files: readonly ImageSource[],
  options: CamFileOptions,
): CamFileResult[] {
  const threshold = options.threshold ?? DEFAULT_BOX_THRESHOLD;
  checkThreshold(threshold);
  checkCamModel(model, options.method ?? 'gradcam', options.layer ?? 'layer4');
  targetClasses(options.classIndex, 1, model.options.numClasses);
  const batchSize = options.batchSize ?? 8;
  const preset = options.preprocess ?? PRESETS.none;
  const size = options.size ?? presetInputSize(preset) ?? DEFAULT_CAM_SIZE;
  const { onImage, onResult, onFailure } = options;
  const results: CamFileResult[] = new Array(files.length);
  // Reports go out in file order: image i waits until every image before it is done or skipped.
  const failures = new Map<number, ImageFailure>();
  const done: boolean[] = new Array(files.length).fill(false);
  let reported = 0;
  const finish = (i: number): void => {
    done[i] = true;
    for (; reported < files.length && done[reported]; reported++) {
      const result = results[reported];
      const failure = failures.get(reported);
      if (result !== undefined) onResult?.({ index: reported, result });
      else if (failure !== undefined) onFailure?.(failure);
    }
  };
  const window = 4 * batchSize;
  for (let first = 0; first < files.length; first += window) {
    const groups = new Map<string, number[]>();
    const inputs = new Map<number, { width: number; height: number; x: Tensor; image?: RgbImage }>();
    for (let i = first; i < Math.min(first + window, files.length); i++) {
      const input = prepareOrSkip(
        i,
        files[i],
        () => {
          const image = readInputImage(files[i]);
          const x = camInput(image, size, preset);
          return { width: image.width, height: image.height, x, image: onImage && image };
        },
        onFailure && ((failure) => failures.set(i, failure)),
      );
      if (input === undefined) {
        finish(i);
        continue;
      }
      inputs.set(i, input);
      const key = input.x.shape.join('x');
      groups.set(key, [...(groups.get(key) ?? []), i]);
    }
    for (const indices of groups.values()) {
      for (let start = 0; start < indices.length; start += batchSize) {
        const batch = indices.slice(start, start + batchSize);
        const maps = computeCam(model, batchTensors(batch.map((i) => inputs.get(i)!.x)), options);
        batch.forEach((i, b) => {
          const { width, height, image } = inputs.get(i)!;
          inputs.delete(i);
          const r = maps[b];
          const box = thresholdBox(upsampleBilinear(r.heatmap, width, height), threshold);
          const label = options.labels[r.classIndex] ?? `class ${r.classIndex}`;
          results[i] = { file: imageName(files[i]), label, width, height, box, ...r };
          if (onImage && image) onImage(i, image, results[i]);
          finish(i);
        });
      }
    }
  }
  return results.filter((r) => r !== undefined);
}

/** How a map's class was found when none was asked for, as cam's JSON reports it. */
export const TOP1_CLASS_SOURCE =
  'top-1 of the whole image (cam sees the whole image, classify a centre crop; the two can differ)';

/** One map as JSON (`resnet50 cam --json`, POST /v1/cam); `classSource` says how the class was chosen. */
export function camResultJson(r: CamFileResult, classSource: string): object {
  return {
    file: r.file,
    classIndex: r.classIndex,
    label: r.label,
    score: r.score,
    classSource,
    heatmap: { width: r.heatmap.width, height: r.heatmap.height, data: Array.from(r.heatmap.data) },
    box: r.box,
  };
}

/** The photo with the map upsampled over it (jet colours), the box and the label. */
export function camOverlay(image: RgbImage, result: CamFileResult): RgbImage {
  const heat = upsampleBilinear(result.heatmap, image.width, image.height).data;
  const label = `${result.label} (${result.classIndex}) ${(result.score * 100).toFixed(1)}%`;
  return overlayHeatmap(image, heat, { box: result.box, label });
}

export interface CamImagesOptions extends Omit<CamFileOptions, 'labels' | 'onImage' | 'onResult'> {
  /** A .safetensors/.pth/.pt file or IMAGENET1K_V1 / IMAGENET1K_V2 (downloaded here, before the worker starts). */
  weights?: string;
  /** resnet18 … resnet152 (default: the file's, else resnet50). */
  arch?: string;
  /** Class names (default: the weights' card: recorded names, ImageNet-1k for 1000 classes, else `class K`). */
  labels?: string[];
  /** Where `labels` came from, for the error when their count does not match the head. */
  labelsSource?: string;
  /** One PNG path per image: the photo with its map, box and label (see camOverlay). */
  overlays?: readonly string[];
  download?: FetchOptions;
}

/** What the worker gets (in_worker_entry.ts). */
export type CamJob = Omit<CamImagesOptions, 'download' | 'onFailure'> & {
  files: readonly ImageSource[];
  reportFailures: boolean;
};

/**
 * Loads the weights and computes the maps of image files (as camFiles) in a worker thread, so that
 * the caller's event loop stays free during the forward and backward passes. Named weights are
 * downloaded first, here. `onImage` runs in this thread, in the order of the files.
 */
export async function camImages(
  files: readonly ImageSource[],
  options: CamImagesOptions = {},
  onImage?: (event: ImageEvent<CamFileResult>) => void,
): Promise<CamFileResult[]> {
  checkCamOptions(options.method ?? 'gradcam', options.layer ?? 'layer4');
  checkThreshold(options.threshold ?? DEFAULT_BOX_THRESHOLD);
  checkOnePathPerImage('overlays', options.overlays, files);
  resolveBackend(options.backend);
  const { download, onFailure, ...rest } = options;
  const { arch, weightsPath } = await resolveWeights({
    arch: options.arch,
    weights: options.weights,
    download,
  });
  const job: CamJob = {
    ...rest,
    arch: arch ?? undefined,
    weights: weightsPath,
    files: [...files],
    reportFailures: onFailure !== undefined,
  };
  return runInWorker<CamFileResult[], ImageJobEvent<CamFileResult>>(
    new URL('./cam.js', import.meta.url),
    'camImagesInThisThread',
    job,
    dispatchImageEvents(onImage, onFailure),
    { name: 'Activation map worker' },
  );
}

/** `camImages` in the calling thread (the worker runs this); `report` gets each image's event. */
export async function camImagesInThisThread(
  job: CamJob,
  report?: (event: ImageJobEvent<CamFileResult>) => void,
): Promise<CamFileResult[]> {
  const { files, overlays, labels, labelsSource, reportFailures, ...options } = job;
  checkOnePathPerImage('overlays', overlays, files);
  const { model, card } = await loadModel({ arch: job.arch, weights: job.weights });
  const named = labelsFor(card.numClasses, labels ?? card.classNames, labelsSource);
  const onImage =
    overlays === undefined
      ? undefined
      : (i: number, image: RgbImage, result: CamFileResult) =>
          writePng(overlays[i], camOverlay(image, result));
  const preprocess = options.preprocess ?? card.preprocess;
  return camFiles(model, files, {
    ...options,
    preprocess,
    labels: named,
    onImage,
    ...reportingCallbacks(report, reportFailures),
  });
}
