/**
 * Object detection with Faster R-CNN: weights from a file or a registry name (or only an ImageNet
 * backbone, with torchvision's random heads: the pipeline runs, the detections mean nothing), a
 * detector on the chosen backend (native: the ResNet body as one compiled plan off the event loop,
 * the FPN, RPN and box head op by op on the native kernels), and labeled results for files.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OptionError, UserError } from '../errors.js';
import { fetchWeights, type FetchOptions } from '../io/download.js';
import { imageName, writePng, type ImageSource, type RgbImage } from '../io/image.js';
import { loadWeightsFile } from '../io/weights/index.js';
import { toDetectionKeys } from '../io/weights/key_map.js';
import {
  FasterRCNN,
  imageToTensor,
  initializeDetectionHeads,
  type FasterRCNNOptions,
  type FasterRCNNOutput,
  type FasterRCNNVersion,
} from '../model/detection/index.js';
import {
  findDetectionWeights,
  listDetectionWeights,
  type DetectionModelName,
  type DetectionWeightsEntry,
} from '../model/weights_registry.js';
import type { Module } from '../nn/module.js';
import { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { drawDetections } from '../viz/boxes.js';
import { runInWorker } from '../runtime/in_worker.js';
import {
  checkOnePathPerImage,
  dispatchImageEvents,
  prepareOrSkip,
  readInputImage,
  reportingCallbacks,
  type ImageCallbacks,
  type ImageEvent,
  type ImageJobEvent,
} from './input.js';
import { readLabelsFile } from './labels.js';
import { guessArch, resolveWeights } from './pretrained.js';
import { resolveBackend, runnerOn, type BackendName, type Runner } from './runner.js';

export const DETECTION_MODELS: readonly DetectionModelName[] = ['fasterrcnn', 'fasterrcnn-v2'];

const VERSIONS: Record<DetectionModelName, FasterRCNNVersion> = { fasterrcnn: 'v1', 'fasterrcnn-v2': 'v2' };

let coco: string[] | null = null;

/** The 91 COCO category names of torchvision's detection models (index 0 is background, gaps are 'N/A'). */
export function cocoLabels(): string[] {
  coco ??= readLabelsFile(fileURLToPath(new URL('../../../labels/coco-91.json', import.meta.url)));
  return coco;
}

/** The variant a state dict belongs to, from its keys (after toDetectionKeys), if it is a Faster R-CNN. */
export function guessDetectionModel(keys: Iterable<string>): DetectionModelName | undefined {
  let detector = false;
  for (const key of keys) {
    if (key.startsWith('rpn.head.conv.1.') || key.startsWith('roi_heads.box_head.0.')) return 'fasterrcnn-v2';
    detector ||= key.startsWith('roi_heads.box_head.fc6.');
  }
  return detector ? 'fasterrcnn' : undefined;
}

export interface LoadDetectorOptions extends FasterRCNNOptions {
  /**
   * A .pth/.safetensors file or a registry name (fasterrcnn_resnet50_fpn_coco,
   * fasterrcnn_resnet50_fpn_v2_coco). Give either this or `weightsBackbone`.
   */
  weights?: string;
  /**
   * Instead of `weights`: ImageNet ResNet-50 weights for the backbone (a file with torchvision, timm
   * or Hugging Face names, or IMAGENET1K_V1 / IMAGENET1K_V2), with the FPN, RPN and box heads
   * initialized at random as torchvision does (see model/detection/init.ts). The whole pipeline
   * runs, but the detections are meaningless: only COCO-trained weights detect objects.
   */
  weightsBackbone?: string;
  /** Seeds the random heads of a `weightsBackbone` detector (default 0). */
  seed?: number;
  /** The variant; default: the registry entry's, else guessed from the keys (fasterrcnn with `weightsBackbone`). */
  model?: DetectionModelName;
  /** native or js (default: native when the addon loaded). */
  backend?: string;
  download?: FetchOptions;
}

/** A model with weights, ready to run on one backend. */
export class Detector {
  /** The ResNet body (C2..C5) as one plan on the backend; the FPN and heads run op by op. */
  private readonly body: Runner;

  constructor(
    readonly model: FasterRCNN,
    readonly backend: BackendName,
  ) {
    this.body = runnerOn(model.backbone.body, backend);
  }

  /** Detections for (3, H, W) float images in [0, 1], with the RPN proposals. */
  async detect(images: readonly Tensor[]): Promise<FasterRCNNOutput> {
    return this.model.detect(images, {
      backend: this.backend,
      body: (x) => this.body.outputs(x, ['layer1', 'layer2', 'layer3', 'layer4']),
    });
  }

  /** Frees the body plan's native memory now (see Runner.dispose). */
  dispose(): void {
    this.body.dispose();
  }
}

/** A local weights file: a whole detector's (with its registry entry, if any) or a backbone's. */
type ResolvedDetectionWeights =
  { kind: 'detector'; path: string; entry?: DetectionWeightsEntry } | { kind: 'backbone'; path: string };

/** The local path of `weights` or `weightsBackbone` (registry names are downloaded into the cache). */
async function resolveDetectionWeights(
  { weights, weightsBackbone }: Pick<LoadDetectorOptions, 'weights' | 'weightsBackbone'>,
  download?: FetchOptions,
): Promise<ResolvedDetectionWeights> {
  if (weights !== undefined && weightsBackbone !== undefined) {
    throw new UserError('A detector takes weights or weightsBackbone, not both.');
  }
  if (weightsBackbone !== undefined) {
    const { weightsPath } = await resolveWeights({ arch: 'resnet50', weights: weightsBackbone, download });
    return { kind: 'backbone', path: weightsPath };
  }
  if (weights === undefined) {
    throw new UserError(
      'A detector needs weights (a Faster R-CNN checkpoint) or weightsBackbone (ImageNet ResNet-50 weights).',
    );
  }
  const entry = findDetectionWeights(weights);
  if (entry !== undefined) return { kind: 'detector', path: await fetchWeights(entry, download), entry };
  const named = listDetectionWeights().find((e) => e.fileName === basename(weights));
  return { kind: 'detector', path: weights, entry: named };
}

/** Builds the Faster R-CNN its weights are for (every key and shape checked) on the chosen backend. */
export async function loadDetector(options: LoadDetectorOptions): Promise<Detector> {
  const backend = resolveBackend(options.backend);
  const resolved = await resolveDetectionWeights(options, options.download);
  const model =
    resolved.kind === 'backbone'
      ? detectorFromBackbone(resolved.path, options)
      : detectorFromFile(resolved.path, resolved.entry, options);
  return new Detector(model, backend);
}

/** The Faster R-CNN a detection weights file is for, loaded strictly. */
function detectorFromFile(
  path: string,
  entry: DetectionWeightsEntry | undefined,
  options: LoadDetectorOptions,
): FasterRCNN {
  const tensors = toDetectionKeys(loadWeightsFile(path), path);
  const guessed = guessDetectionModel(tensors.keys());
  if (guessed === undefined) {
    throw new UserError(`${path} does not hold Faster R-CNN weights (no rpn/roi_heads keys).`);
  }
  const name = options.model ?? entry?.model ?? guessed;
  if (name !== guessed) {
    throw new OptionError(
      `${path} holds ${guessed} weights but {model} is ${name}; pass {model} ${guessed}.`,
    );
  }
  const model = new FasterRCNN(VERSIONS[name], {
    ...options,
    numClasses: tensors.get('roi_heads.box_predictor.cls_score.weight')?.shape[0] ?? 91,
  });
  loadDetectionStateDict(model, tensors, path);
  return model;
}

/**
 * torchvision's `fasterrcnn_resnet50_fpn(weights=None, weights_backbone=W)` (or `_v2`): the body
 * loaded strictly from `path`'s ResNet-50 (its fc dropped; v1's frozen batch norm with eps 1e-5),
 * the FPN, RPN and box heads initialized at random from `options.seed`.
 */
function detectorFromBackbone(path: string, options: LoadDetectorOptions): FasterRCNN {
  const tensors = loadWeightsFile(path);
  const arch = guessArch(tensors.keys());
  if (arch !== 'resnet50') {
    const found = arch === undefined ? 'no ResNet layers' : `${arch} weights`;
    throw new UserError(`${path} holds ${found}, but the Faster R-CNN backbone is a ResNet-50.`);
  }
  const model = new FasterRCNN(VERSIONS[options.model ?? 'fasterrcnn'], {
    ...options,
    frozenBatchNormEps: options.frozenBatchNormEps ?? 1e-5,
  });
  initializeDetectionHeads(model, new Rng(options.seed ?? 0));
  const body = new Map([...tensors].filter(([key]) => !key.startsWith('fc.')));
  loadDetectionStateDict(model.backbone.body, body, path);
  return model;
}

/**
 * Strict load into a detector (or its backbone body) after dropping the `num_batches_tracked`
 * counters that frozen batch norm does not keep (as torchvision's FrozenBatchNorm2d does when loading).
 */
export function loadDetectionStateDict(
  model: Module,
  tensors: ReadonlyMap<string, Tensor>,
  source: string,
): void {
  const own = model.stateDict();
  const kept = new Map([...tensors].filter(([k]) => own.has(k) || !k.endsWith('.num_batches_tracked')));
  model.loadStateDict(kept, { source });
}

/** One detection as the CLI reports it; box in original pixels (x0, y0, x1, y1). */
export interface LabeledDetection {
  classIndex: number;
  label: string;
  score: number;
  box: [number, number, number, number];
}

export interface FileDetections {
  file: string;
  detections: LabeledDetection[];
}

export interface DetectFilesOptions extends ImageCallbacks<FileDetections> {
  /** Only detections scoring at least this are reported (default 0.5). */
  threshold?: number;
  /** Class names by index (default: COCO's 91). */
  labels?: readonly string[];
  /** Called with each image once its detections are known (e.g. to draw them), before onResult. */
  onImage?: (index: number, image: RgbImage, detections: LabeledDetection[]) => void;
}

/**
 * Runs the detector on image files one at a time, in order (memory stays at one image and its
 * activations); see ImageCallbacks for per-image results and failures.
 */
export async function detectFiles(
  detector: Detector,
  files: readonly ImageSource[],
  options: DetectFilesOptions = {},
): Promise<FileDetections[]> {
  const threshold = options.threshold ?? 0.5;
  const labels = options.labels ?? cocoLabels();
  const results: FileDetections[] = [];
  for (const [i, source] of files.entries()) {
    const input = prepareOrSkip(
      i,
      source,
      () => {
        const image = readInputImage(source);
        return { image, x: imageToTensor(image) };
      },
      options.onFailure,
    );
    if (input === undefined) continue;
    const { detections } = await detector.detect([input.x]);
    const { boxes, scores, labels: classes } = detections[0];
    const found: LabeledDetection[] = [];
    for (let k = 0; k < scores.length; k++) {
      if (scores[k] < threshold) continue;
      found.push({
        classIndex: classes[k],
        label: labels[classes[k]] ?? String(classes[k]),
        score: scores[k],
        box: [boxes[4 * k], boxes[4 * k + 1], boxes[4 * k + 2], boxes[4 * k + 3]],
      });
    }
    options.onImage?.(i, input.image, found);
    const result = { file: imageName(source), detections: found };
    options.onResult?.({ index: i, result });
    results.push(result);
  }
  return results;
}

/** Registry names in `weights` and `weightsBackbone` are downloaded here, before the worker starts. */
export interface DetectImagesOptions
  extends LoadDetectorOptions, Omit<DetectFilesOptions, 'onImage' | 'onResult'> {
  /** One PNG path per image: the image with its labeled boxes, written as soon as it is done. */
  out?: readonly string[];
}

/** Reported by `detectImages` for each image as soon as its detections are known. */
export type DetectImageEvent = ImageEvent<FileDetections>;

/** What the worker gets (in_worker_entry.ts). */
export type DetectJob = Omit<DetectImagesOptions, 'download' | 'onFailure'> & {
  files: readonly ImageSource[];
  reportFailures: boolean;
};

/**
 * Loads the detector and runs it on image files in a worker thread, so that the caller's event loop
 * stays free (the FPN, RPN and box head are seconds of synchronous kernels per image). Weights named
 * in the registry are downloaded first, here. `onImage` runs in this thread, in image order.
 */
export async function detectImages(
  files: readonly ImageSource[],
  options: DetectImagesOptions,
  onImage?: (event: DetectImageEvent) => void,
): Promise<FileDetections[]> {
  checkOnePathPerImage('out', options.out, files);
  resolveBackend(options.backend);
  const { download, onFailure, ...rest } = options;
  const resolved = await resolveDetectionWeights(rest, download);
  const reportFailures = onFailure !== undefined;
  const job: DetectJob =
    resolved.kind === 'backbone'
      ? { ...rest, weightsBackbone: resolved.path, files: [...files], reportFailures }
      : {
          ...rest,
          model: rest.model ?? resolved.entry?.model,
          weights: resolved.path,
          files: [...files],
          reportFailures,
        };
  return runInWorker<FileDetections[], ImageJobEvent<FileDetections>>(
    new URL('./detect.js', import.meta.url),
    'detectImagesInThisThread',
    job,
    dispatchImageEvents(onImage, onFailure),
    { name: 'Detection worker' },
  );
}

/** `detectImages` in the calling thread (the worker runs this); `report` gets each image's event. */
export async function detectImagesInThisThread(
  job: DetectJob,
  report?: (event: ImageJobEvent<FileDetections>) => void,
): Promise<FileDetections[]> {
  const { files, out, threshold, labels, reportFailures, ...load } = job;
  checkOnePathPerImage('out', out, files);
  const detector = await loadDetector(load);
  return detectFiles(detector, files, {
    threshold,
    labels,
    onImage:
      out === undefined
        ? undefined
        : (index, image, detections) => writePng(out[index], drawDetections(image, detections)),
    ...reportingCallbacks(report, reportFailures),
  });
}
