/**
 * resnet50: the ResNet family in TypeScript with torchvision-exact numbers (the Node entry; a
 * bundler's `browser` condition gets browser.ts). Importing this module creates nothing: it
 * registers the native backend by name (created on first use), as every backend is.
 */
import './backends/register_node.js';

export { Tensor, type DType } from './tensor/tensor.js';
export { UserError, FileFormatError, StateDictError, ShapeError, OptionError } from './errors.js';
export type { Backend, Conv2dParams, MaxPool2dParams } from './backends/backend.js';
export { registerBackend, listBackends, planExecutor } from './backends/registry.js';
export type {
  Plan,
  PlanOp,
  PlanTensor,
  FileTensor,
  PlanExecutor,
  CompiledPlan,
  PlanResult,
} from './plan/plan.js';
export * as ops from './ops/index.js';
export { Module, Sequential, type LayerRecord } from './nn/module.js';
export {
  Conv2d,
  BatchNorm2d,
  ReLU,
  MaxPool2d,
  AdaptiveAvgPool2d,
  AdaptiveMaxPool2d,
  Linear,
  ZeroPadShortcut,
} from './nn/layers.js';
export {
  ResNet,
  BasicBlock,
  Bottleneck,
  ARCHITECTURES,
  MIN_INPUT_SIZE,
  resnet,
  resnet18,
  resnet34,
  resnet50,
  resnet101,
  resnet152,
  resnet20,
  resnet32,
  resnet44,
  resnet56,
  resnet110,
  isArchName,
  type ArchName,
  type ResNetOptions,
  type ResNetVariant,
  type ShortcutKind,
  type StemKind,
  type ArchSpec,
  type Pooling,
  type ResNetFeatures,
} from './model/resnet.js';
export { summarize, type ModelSummary, type SummaryLayer } from './model/summary.js';
export {
  getWeightsEntry,
  listWeights,
  defaultWeightsName,
  type WeightsEntry,
  type WeightsName,
} from './model/weights_registry.js';
export { fetchWeights, cacheDir, type FetchOptions } from './io/download.js';
export {
  loadWeightsFile,
  readActivationScales,
  checkFiniteWeightsFile,
  type LoadWeightsOptions,
  saveWeightsFile,
  readSafetensors,
  writeSafetensors,
  readTorchCheckpoint,
  toTorchvisionKeys,
  toHuggingFaceKeys,
} from './io/weights/index.js';
export {
  readImage,
  decodeImage,
  imageName,
  encodePng,
  writePng,
  type RgbImage,
  type ImageBytes,
  type ImageSource,
} from './io/image.js';
export { DEFAULT_MAX_IMAGE_PIXELS, getMaxImagePixels, setMaxImagePixels } from './io/image_limits.js';
export {
  preprocess,
  resizePil,
  resizeShorter,
  centerCrop,
  toNormalizedTensor,
  batchTensors,
  PRESETS,
  IMAGENET_MEAN,
  IMAGENET_STD,
  grayscaleRgb,
  type Preset,
  type PresetName,
} from './data/transforms.js';
export {
  loadModel,
  loadRunner,
  type LoadModelOptions,
  type LoadedModel,
  type LoadedRunner,
} from './tasks/pretrained.js';
export type { ModelCard } from './tasks/model_card.js';
export {
  createRunner,
  resolveBackend,
  type Runner,
  type RunnerOptions,
  type BackendName,
} from './tasks/runner.js';
export { lowerResNet, type ResNetOutput, type WeightSource } from './model/plan.js';
export { nativeStatus } from './backends/native/addon.js';
export { exportOnnx, writeOnnx } from './tasks/onnx_export.js';
export {
  classifyFiles,
  topK,
  type Classification,
  type Prediction,
  type ClassifyOptions,
} from './tasks/classify.js';
export { embedFiles, type Embedding, type EmbedLayer } from './tasks/embed.js';
export { type ImageCallbacks, type ImageEvent, type ImageFailure } from './tasks/input.js';
export {
  expandImageSources,
  MAX_STDIN_BYTES,
  STDIN_NAME,
  type ExpandOptions,
} from './tasks/image_sources.js';
export { imagenetLabels, readLabelsFile } from './tasks/labels.js';
export type { ParamRef } from './nn/module.js';
export { SGD, AdamW, Optimizer, clipGradNorm, paramGroupsExcludingNoDecay } from './train/optim.js';
export {
  LrScheduler,
  stepLR,
  cosineAnnealingLR,
  oneCycleLR,
  linearLR,
  sequentialLR,
  withWarmup,
  type LrSchedule,
} from './train/schedules.js';
export {
  train,
  trainInThisThread,
  resolveTrainOptions,
  type TrainOptions,
  type TrainCallOptions,
  type TrainEvent,
  type TrainResult,
  type EpochMetrics,
} from './train/trainer.js';
export {
  gradientStudy,
  gradientStudyInThisThread,
  type GradientStudyOptions,
  type GradientStudyResult,
  type GradientStudyProgress,
} from './train/gradient_study.js';
export { DataLoader, type DatasetSpec, type Batch, type DataLoaderOptions } from './data/loader.js';
export { readIdxDataset, FASHION_MNIST_CLASSES } from './data/idx.js';
export {
  fetchDataset,
  findDataset,
  datasetCacheDir,
  DATASETS,
  type DatasetEntry,
  type DatasetName,
  type FetchDatasetOptions,
} from './data/datasets.js';
export { scanImageFolder } from './data/image_folder.js';
export { randomResizedCrop, randomHorizontalFlip, type TrainTransform } from './data/augment.js';

// Localization (CAM)
export {
  computeCam,
  camImages,
  camFiles,
  camInput,
  camOverlay,
  CAM_METHODS,
  CAM_LAYERS,
  type CamMethod,
  type CamLayer,
  type CamOptions,
  type CamResult,
  type CamFileOptions,
  type CamFileResult,
  type CamImagesOptions,
} from './tasks/cam.js';
export { normalizeMap } from './tasks/cam_maps.js';
export {
  upsampleBilinear,
  largestComponent,
  thresholdBox,
  boxFromHeatmap,
  type Heatmap,
  type Box,
  type Component,
} from './tasks/cam_box.js';
export { overlayHeatmap, jet, type OverlayOptions } from './viz/overlay.js';

// Detection (Faster R-CNN)
export {
  FasterRCNN,
  fasterrcnnResnet50Fpn,
  fasterrcnnResnet50FpnV2,
  GeneralizedRCNNTransform,
  imageToTensor,
  type FasterRCNNOptions,
  type FasterRCNNOutput,
  type FasterRCNNVersion,
  type ImageDetections,
} from './model/detection/index.js';
export {
  detectImages,
  Detector,
  loadDetector,
  detectFiles,
  cocoLabels,
  DETECTION_MODELS,
  type LoadDetectorOptions,
  type LabeledDetection,
  type FileDetections,
  type DetectFilesOptions,
  type DetectImagesOptions,
  type DetectImageEvent,
} from './tasks/detect.js';
export {
  listDetectionWeights,
  findDetectionWeights,
  type DetectionWeightsEntry,
  type DetectionWeightsName,
  type DetectionModelName,
} from './model/weights_registry.js';
export { toDetectionKeys } from './io/weights/key_map.js';
export { drawDetections, type DrawnBox } from './viz/boxes.js';
export {
  startServer,
  SERVE_TASKS,
  type ServeOptions,
  type ServeTask,
  type InferenceServer,
  type CloseResult,
} from './serve/server.js';
