import { type FetchOptions } from '../io/download.js';
import { type RgbImage } from '../io/image.js';
import { FasterRCNN, type FasterRCNNOptions, type FasterRCNNOutput } from '../model/detection/index.js';
import { type DetectionModelName } from '../model/weights_registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { type BackendName } from './runner.js';
export declare const DETECTION_MODELS: readonly DetectionModelName[];
/** The 91 COCO category names of torchvision's detection models (index 0 is background, gaps are 'N/A'). */
export declare function cocoLabels(): string[];
/** The variant a state dict belongs to, from its keys (after toDetectionKeys), if it is a Faster R-CNN. */
export declare function guessDetectionModel(keys: Iterable<string>): DetectionModelName | undefined;
export interface LoadDetectorOptions extends FasterRCNNOptions {
    /** A .pth/.safetensors file or a registry name (fasterrcnn_resnet50_fpn_coco, fasterrcnn_resnet50_fpn_v2_coco). */
    weights: string;
    /** The variant; default: the registry entry's, else guessed from the keys. */
    model?: DetectionModelName;
    /** native or js (default: native when the addon loaded). */
    backend?: string;
    download?: FetchOptions;
}
/** A model with weights, ready to run on one backend. */
export declare class Detector {
    readonly model: FasterRCNN;
    readonly backend: BackendName;
    private readonly native;
    constructor(model: FasterRCNN, backend: BackendName);
    /** Detections for (3, H, W) float images in [0, 1], with the RPN proposals. */
    detect(images: readonly Tensor[]): Promise<FasterRCNNOutput>;
}
/** Builds the Faster R-CNN a weights file is for and loads it strictly (every key, every shape). */
export declare function loadDetector(options: LoadDetectorOptions): Promise<Detector>;
/**
 * Strict load after dropping the `num_batches_tracked` counters that frozen batch norm does not
 * keep (as torchvision's FrozenBatchNorm2d does when loading).
 */
export declare function loadDetectionStateDict(model: FasterRCNN, tensors: ReadonlyMap<string, Tensor>, source: string): void;
/** One detection as the CLI reports it; box in original pixels (x0, y0, x1, y1). */
export interface LabeledDetection {
    label: string;
    labelIndex: number;
    score: number;
    box: [number, number, number, number];
}
export interface FileDetections {
    file: string;
    detections: LabeledDetection[];
}
export interface DetectFilesOptions {
    /** Only detections scoring at least this are reported (default 0.5). */
    threshold?: number;
    /** Class names by index (default: COCO's 91). */
    labels?: readonly string[];
    /** Called with each image once its detections are known (e.g. to draw them). */
    onImage?: (index: number, image: RgbImage, detections: LabeledDetection[]) => void;
}
/** Runs the detector on image files one at a time (memory stays at one image's activations). */
export declare function detectFiles(detector: Detector, files: readonly string[], options?: DetectFilesOptions): Promise<FileDetections[]>;
export interface DetectImagesOptions extends Omit<LoadDetectorOptions, 'weights'>, Omit<DetectFilesOptions, 'onImage'> {
    /** A .pth/.safetensors file or a registry name (downloaded here, before the worker starts). */
    weights: string;
    /** One PNG path per image: the image with its labeled boxes, written as soon as it is done. */
    out?: readonly string[];
}
/** Reported by `detectImages` for each image as soon as its detections are known. */
export interface DetectImageEvent {
    index: number;
    result: FileDetections;
}
type DetectJob = Omit<DetectImagesOptions, 'download'> & {
    files: readonly string[];
};
/**
 * Loads the detector and runs it on image files in a worker thread, so that the caller's event loop
 * stays free (the FPN, RPN and box head are seconds of synchronous kernels per image). Weights named
 * in the registry are downloaded first, here. `onImage` runs in this thread, in image order.
 */
export declare function detectImages(files: readonly string[], options: DetectImagesOptions, onImage?: (event: DetectImageEvent) => void): Promise<FileDetections[]>;
/** `detectImages` in the calling thread (the worker runs this); `report` gets each image's event. */
export declare function detectImagesInThisThread(job: DetectJob, report?: (event: DetectImageEvent) => void): Promise<FileDetections[]>;
export {};
