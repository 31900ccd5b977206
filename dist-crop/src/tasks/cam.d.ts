import type { FetchOptions } from '../io/download.js';
import { type RgbImage } from '../io/image.js';
import { type ResNet } from '../model/resnet.js';
import { Tensor } from '../tensor/tensor.js';
import { type Box, type Heatmap } from './cam_box.js';
export declare const CAM_METHODS: readonly ["cam", "gradcam", "gradcam++"];
export type CamMethod = (typeof CAM_METHODS)[number];
/** Stages a map can be taken from (stem = after the max-pool). */
export declare const CAM_LAYERS: readonly ["stem", "layer1", "layer2", "layer3", "layer4"];
export type CamLayer = (typeof CAM_LAYERS)[number];
/** Network input for maps: the whole image, shorter side resized to this (no crop). */
export declare const DEFAULT_CAM_SIZE = 224;
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
export declare function checkCamOptions(method: string, layer: string): void;
/** (map − min) / (max − min), or all zeros for a constant map. */
export declare function normalizeMap(map: ArrayLike<number>): Float32Array;
/**
 * Maps of a preprocessed batch x (N, 3, H, W) for each image's target class, in one forward (and,
 * for the gradient methods, one backward) pass on the chosen backend.
 */
export declare function computeCam(model: ResNet, x: Tensor, options?: CamOptions): CamResult[];
/** The network input for maps: the whole image resized (PIL-exact) to shorter side `size`, normalized. */
export declare function camInput(image: RgbImage, size?: number): Tensor;
export interface CamFileOptions {
    method?: CamMethod;
    layer?: CamLayer;
    /** The target class of every image; default each image's top-1. */
    classIndex?: number;
    backend?: string;
    /** Class names, indexed by class. */
    labels: readonly string[];
    /** Shorter side of the network input (default 224). */
    size?: number;
    /** Box threshold as a fraction of the map's maximum, in (0, 1] (default 0.2). */
    threshold?: number;
    /** Images per pass (default 8); only images of equal input size share one. */
    batchSize?: number;
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
 * together (up to batchSize per pass); the others run separately.
 */
export declare function camFiles(model: ResNet, files: readonly string[], options: CamFileOptions): CamFileResult[];
/** The photo with the map upsampled over it (jet colours), the box and the label. */
export declare function camOverlay(image: RgbImage, result: CamFileResult): RgbImage;
export interface CamImagesOptions extends Omit<CamFileOptions, 'labels'> {
    /** A .safetensors/.pth/.pt file or IMAGENET1K_V1 / IMAGENET1K_V2 (downloaded here, before the worker starts). */
    weights?: string;
    /** resnet18 … resnet152 (default resnet50). */
    arch?: string;
    /** Class names (default: ImageNet-1k for a 1000-class head, else `class K`). */
    labels?: string[];
    /** Where `labels` came from, for the error when their count does not match the head. */
    labelsSource?: string;
    /** One PNG path per image: the photo with its map, box and label (see camOverlay). */
    overlays?: readonly string[];
    download?: FetchOptions;
}
type CamJob = Omit<CamImagesOptions, 'download'> & {
    files: readonly string[];
};
/**
 * Loads the weights and computes the maps of image files (as camFiles) in a worker thread, so that
 * the caller's event loop stays free during the forward and backward passes. Named weights are
 * downloaded first, here.
 */
export declare function camImages(files: readonly string[], options?: CamImagesOptions): Promise<CamFileResult[]>;
/** `camImages` in the calling thread (the worker runs this). */
export declare function camImagesInThisThread(job: CamJob): Promise<CamFileResult[]>;
export {};
