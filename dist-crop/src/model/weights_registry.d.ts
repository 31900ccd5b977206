import type { DownloadableWeights } from '../io/download.js';
export type WeightsName = 'IMAGENET1K_V1' | 'IMAGENET1K_V2';
/** `imagenet-v1`: resize 256 → center crop 224; `imagenet-v2`: resize 232 → center crop 224. */
export type PreprocessPreset = 'imagenet-v1' | 'imagenet-v2';
/** Where a file lives and how to check it: see DownloadableWeights (the sha256 prefix is torch.hub's). */
export interface WeightsEntry extends DownloadableWeights {
    readonly arch: string;
    readonly name: WeightsName;
    readonly numParams: number;
    /** Size of the file in MiB, as torchvision reports it (`_file_size`). */
    readonly fileSizeMB: number;
    readonly metrics: {
        readonly acc1: number;
        readonly acc5: number;
    };
    readonly preprocess: PreprocessPreset;
    readonly resizeSize: number;
    readonly cropSize: number;
    readonly numClasses: 1000;
    readonly categories: 'imagenet-1k';
}
/** The weights used when none are named; archs without V2 weights fall back to V1. */
export declare const DEFAULT_WEIGHTS: WeightsName;
export declare const WEIGHTS_NAMES: readonly WeightsName[];
/** The archs that have pretrained weights, in registry order. */
export declare const WEIGHTS_ARCHS: readonly string[];
export declare function isWeightsName(s: string): s is WeightsName;
/** All entries, or those of one arch (empty for an arch without weights). */
export declare function listWeights(arch?: string): WeightsEntry[];
/** The name `DEFAULT` resolves to for `arch`: `DEFAULT_WEIGHTS` if the arch has it, else V1. */
export declare function defaultWeightsName(arch: string): WeightsName;
/**
 * Looks up `arch`'s weights by name (`IMAGENET1K_V1`, `IMAGENET1K_V2` or `DEFAULT`, case-insensitive).
 * Throws a UserError listing what exists when the arch or the name is unknown.
 */
export declare function getWeightsEntry(arch: string, name: string): WeightsEntry;
/** Names of the detection weights (torchvision's FasterRCNN_ResNet50_FPN{,_V2}_Weights.COCO_V1 files). */
export type DetectionWeightsName = 'fasterrcnn_resnet50_fpn_coco' | 'fasterrcnn_resnet50_fpn_v2_coco';
/** The Faster R-CNN variant a detection checkpoint is for (see model/detection). */
export type DetectionModelName = 'fasterrcnn' | 'fasterrcnn-v2';
export interface DetectionWeightsEntry extends DownloadableWeights {
    readonly name: DetectionWeightsName;
    readonly model: DetectionModelName;
    readonly numParams: number;
    /** COCO val2017 box mAP as torchvision reports it. */
    readonly metrics: {
        readonly boxMap: number;
    };
    readonly numClasses: 91;
    readonly categories: 'coco-91';
}
/** The named detection weights, in registry order. */
export declare function listDetectionWeights(): DetectionWeightsEntry[];
/** The detection entry called `name` (case-insensitive), or undefined. */
export declare function findDetectionWeights(name: string): DetectionWeightsEntry | undefined;
