/**
 * resnet50: the ResNet family in TypeScript with torchvision-exact numbers.
 * Importing this module has no side effects; backends are created on first use.
 */
export { Tensor } from './tensor/tensor.js';
export { UserError, FileFormatError, StateDictError, ShapeError } from './errors.js';
export { getBackend, setBackend, registerBackend, listBackends, withBackend } from './backends/registry.js';
export * as ops from './ops/index.js';
export { Module, Sequential } from './nn/module.js';
export { Conv2d, BatchNorm2d, ReLU, MaxPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, Linear, ZeroPadShortcut, } from './nn/layers.js';
export { ResNet, BasicBlock, Bottleneck, ARCHITECTURES, MIN_INPUT_SIZE, resnet, resnet18, resnet34, resnet50, resnet101, resnet152, isArchName, } from './model/resnet.js';
export { summarize } from './model/summary.js';
export { getWeightsEntry, listWeights, defaultWeightsName, } from './model/weights_registry.js';
export { fetchWeights, cacheDir } from './io/download.js';
export { loadWeightsFile, saveWeightsFile, readSafetensors, writeSafetensors, readTorchCheckpoint, toTorchvisionKeys, toHuggingFaceKeys, } from './io/weights/index.js';
export { readImage, decodeImage, encodePng, writePng } from './io/image.js';
export { preprocess, resizePil, resizeShorter, centerCrop, toNormalizedTensor, batchTensors, PRESETS, IMAGENET_MEAN, IMAGENET_STD, } from './data/transforms.js';
export { loadModel, loadRunner, } from './tasks/pretrained.js';
export { createRunner, resolveBackend } from './tasks/runner.js';
export { NativeResNet } from './backends/native/compile.js';
export { nativeStatus } from './backends/native/addon.js';
export { exportOnnx, writeOnnx } from './io/onnx/export.js';
export { classifyFiles, topK, } from './tasks/classify.js';
export { embedFiles } from './tasks/embed.js';
export { imagenetLabels, readLabelsFile } from './tasks/labels.js';
export { SGD, AdamW, Optimizer, clipGradNorm, paramGroupsExcludingNoDecay } from './train/optim.js';
export { LrScheduler, stepLR, cosineAnnealingLR, oneCycleLR, linearLR, sequentialLR, withWarmup, } from './train/schedules.js';
export { train, trainInThisThread, resolveTrainOptions, } from './train/trainer.js';
export { gradientStudy, gradientStudyInThisThread, } from './train/gradient_study.js';
export { DataLoader } from './data/loader.js';
export { readIdxDataset, FASHION_MNIST_CLASSES } from './data/idx.js';
export { scanImageFolder } from './data/image_folder.js';
export { randomResizedCrop, randomHorizontalFlip } from './data/augment.js';
// Localization (CAM)
export { computeCam, camImages, camFiles, camInput, camOverlay, normalizeMap, CAM_METHODS, CAM_LAYERS, } from './tasks/cam.js';
export { upsampleBilinear, largestComponent, thresholdBox, boxFromHeatmap, } from './tasks/cam_box.js';
export { overlayHeatmap, jet } from './viz/overlay.js';
// Detection (Faster R-CNN)
export { FasterRCNN, fasterrcnnResnet50Fpn, fasterrcnnResnet50FpnV2, GeneralizedRCNNTransform, imageToTensor, } from './model/detection/index.js';
export { detectImages, Detector, loadDetector, detectFiles, cocoLabels, DETECTION_MODELS, } from './tasks/detect.js';
export { listDetectionWeights, findDetectionWeights, } from './model/weights_registry.js';
export { toDetectionKeys } from './io/weights/key_map.js';
export { drawDetections } from './viz/boxes.js';
//# sourceMappingURL=index.js.map