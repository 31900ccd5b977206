import { type PresetName } from '../data/transforms.js';
import { type LoadedModel, type LoadedRunner } from '../tasks/pretrained.js';
import { type FlagSpec } from './args.js';
export declare const MODEL_FLAGS: FlagSpec;
export declare const MODEL_HELP = "  --weights W    a .safetensors/.pth/.pt file (torchvision, timm or Hugging Face names) or\n                 IMAGENET1K_V1 / IMAGENET1K_V2 (downloaded once into $RESNET50_CACHE,\n                 default ~/.cache/resnet50)\n  --arch A       resnet18, resnet34, resnet50 (default), resnet101, resnet152\n  --preset P     imagenet-v1 (resize 256, crop 224), imagenet-v2 (resize 232, crop 224) or none;\n                 default: the one the weights were trained with (imagenet-v1 for unknown files)\n  --backend B    native (default when the addon is built) or js (the TypeScript reference);\n                 also $RESNET50_BACKEND. $RESNET50_THREADS sets the native engine's threads";
/** The model with its weights in memory (for export and other whole-model uses). */
export declare function loadFromFlags(values: Record<string, unknown>): Promise<LoadedModel & {
    preset: PresetName;
}>;
/** Weights ready to run on --backend (checked before anything is read). */
export declare function runnerFromFlags(values: Record<string, unknown>): Promise<LoadedRunner>;
/**
 * Where the picture made for each image goes (cam overlays, detect boxes): `out` itself for one
 * image, else `out` with the image's name inserted (out/boxes.png → out/boxes-cat.png), and the
 * image's position appended when two images share a name.
 */
export declare function outputPaths(out: string, files: readonly string[]): string[];
