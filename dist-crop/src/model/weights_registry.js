/**
 * Named pretrained weights as plain data, mirroring torchvision's `ResNet*_Weights` enums
 * (torchvision >= 0.13, `torchvision/models/resnet.py`): where each file lives, how to check it,
 * which preprocessing it was evaluated with and how well it scores on ImageNet-1K.
 */
import { UserError } from '../errors.js';
/** The weights used when none are named; archs without V2 weights fall back to V1. */
export const DEFAULT_WEIGHTS = 'IMAGENET1K_V2';
export const WEIGHTS_NAMES = ['IMAGENET1K_V1', 'IMAGENET1K_V2'];
const BASE_URL = 'https://download.pytorch.org/models/';
const ROWS = [
    ['resnet18', 'IMAGENET1K_V1', 'resnet18-f37072fd.pth', 11689512, 44.661, 69.758, 89.078],
    ['resnet34', 'IMAGENET1K_V1', 'resnet34-b627a593.pth', 21797672, 83.275, 73.314, 91.42],
    ['resnet50', 'IMAGENET1K_V1', 'resnet50-0676ba61.pth', 25557032, 97.781, 76.13, 92.862],
    ['resnet50', 'IMAGENET1K_V2', 'resnet50-11ad3fa6.pth', 25557032, 97.79, 80.858, 95.434],
    ['resnet101', 'IMAGENET1K_V1', 'resnet101-63fe2227.pth', 44549160, 170.511, 77.374, 93.546],
    ['resnet101', 'IMAGENET1K_V2', 'resnet101-cd907fc2.pth', 44549160, 170.53, 81.886, 95.78],
    ['resnet152', 'IMAGENET1K_V1', 'resnet152-394f9c45.pth', 60192808, 230.434, 78.312, 94.046],
    ['resnet152', 'IMAGENET1K_V2', 'resnet152-f82ba261.pth', 60192808, 230.474, 82.284, 96.002],
];
function toEntry([arch, name, file, numParams, sizeMB, acc1, acc5]) {
    const v2 = name === 'IMAGENET1K_V2';
    return Object.freeze({
        arch,
        name,
        url: BASE_URL + file,
        fileName: file,
        sha256Prefix: file.slice(file.lastIndexOf('-') + 1, -'.pth'.length),
        numParams,
        fileSizeMB: sizeMB,
        metrics: Object.freeze({ acc1, acc5 }),
        preprocess: v2 ? 'imagenet-v2' : 'imagenet-v1',
        resizeSize: v2 ? 232 : 256,
        cropSize: 224,
        numClasses: 1000,
        categories: 'imagenet-1k',
    });
}
const ENTRIES = Object.freeze(ROWS.map(toEntry));
/** The archs that have pretrained weights, in registry order. */
export const WEIGHTS_ARCHS = [...new Set(ENTRIES.map((e) => e.arch))];
export function isWeightsName(s) {
    return WEIGHTS_NAMES.includes(s);
}
/** All entries, or those of one arch (empty for an arch without weights). */
export function listWeights(arch) {
    return ENTRIES.filter((e) => arch === undefined || e.arch === arch);
}
/** The name `DEFAULT` resolves to for `arch`: `DEFAULT_WEIGHTS` if the arch has it, else V1. */
export function defaultWeightsName(arch) {
    const names = listWeights(arch).map((e) => e.name);
    return names.includes(DEFAULT_WEIGHTS) ? DEFAULT_WEIGHTS : 'IMAGENET1K_V1';
}
/**
 * Looks up `arch`'s weights by name (`IMAGENET1K_V1`, `IMAGENET1K_V2` or `DEFAULT`, case-insensitive).
 * Throws a UserError listing what exists when the arch or the name is unknown.
 */
export function getWeightsEntry(arch, name) {
    const forArch = listWeights(arch);
    if (forArch.length === 0) {
        throw new UserError(`No pretrained weights are known for arch '${arch}'; available archs: ${WEIGHTS_ARCHS.join(', ')}.`);
    }
    const wanted = name.toUpperCase() === 'DEFAULT' ? defaultWeightsName(arch) : name.toUpperCase();
    const entry = forArch.find((e) => e.name === wanted);
    if (entry === undefined) {
        const names = forArch.map((e) => e.name).join(', ');
        throw new UserError(`Unknown weights '${name}' for ${arch}; available: ${names} (or DEFAULT).`);
    }
    return entry;
}
const DETECTION_ROWS = [
    ['fasterrcnn_resnet50_fpn_coco', 'fasterrcnn', 'fasterrcnn_resnet50_fpn_coco-258fb6c6.pth', 41755286, 37.0],
    [
        'fasterrcnn_resnet50_fpn_v2_coco',
        'fasterrcnn-v2',
        'fasterrcnn_resnet50_fpn_v2_coco-dd69338a.pth',
        43712278,
        46.7,
    ],
];
const DETECTION_ENTRIES = Object.freeze(DETECTION_ROWS.map(([name, model, file, numParams, boxMap]) => Object.freeze({
    name,
    model,
    url: BASE_URL + file,
    fileName: file,
    sha256Prefix: file.slice(file.lastIndexOf('-') + 1, -'.pth'.length),
    numParams,
    metrics: Object.freeze({ boxMap }),
    numClasses: 91,
    categories: 'coco-91',
})));
/** The named detection weights, in registry order. */
export function listDetectionWeights() {
    return [...DETECTION_ENTRIES];
}
/** The detection entry called `name` (case-insensitive), or undefined. */
export function findDetectionWeights(name) {
    return DETECTION_ENTRIES.find((e) => e.name === name.toLowerCase());
}
//# sourceMappingURL=weights_registry.js.map