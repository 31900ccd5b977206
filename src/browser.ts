/**
 * resnet50 in a web page: what `import … from 'resnet50'` resolves to under a bundler's `browser`
 * condition. No Node module is reachable from here (test/browser_bundle.test.ts bundles it and
 * fails on any). The classifier client runs the model in a Web Worker (browser/worker.ts); the
 * session, the weight and image readers and the library's platform-free core are here too, for
 * pages and workers that hold a model themselves. Importing this module has no side effects.
 */
export {
  createClassifier,
  type Classifier,
  type ClassifierOptions,
  type ImageInput,
  type RequestOptions,
} from './browser/client.js';
export {
  createSession,
  parseSessionWeights,
  sessionBackend,
  BACKEND_PREFERENCE,
  type Session,
  type SessionOptions,
  type SessionInfo,
  type ParsedWeights,
  type ClassifyResult,
  type EmbedResult,
  type CamRequest,
  type CamAnswer,
  type AnalyzeRequest,
  type AnalyzeResult,
  type RequestTimings,
  type SessionEngine,
} from './browser/session.js';
export {
  fetchWeightsBytes,
  weightsBytes,
  sha256Hex,
  DEFAULT_WEIGHTS_CACHE,
  type WeightsInput,
  type WeightsBytes,
  type FetchWeightsOptions,
  type DownloadProgress,
} from './browser/fetch_weights.js';
export {
  rgbFromBlob,
  rgbFromBytes,
  rgbFromDrawable,
  rgbFromRgba,
  type RgbaPixels,
  type DrawableImage,
} from './browser/pixels.js';
export { serve, type PrepareBackend } from './browser/serve.js';
export type {
  Endpoint,
  Request,
  RequestBody,
  Response,
  Results,
  LoadOptions,
  ImageTransfer,
  WeightsTransfer,
} from './browser/protocol.js';

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
export { lowerResNet, type ResNetOutput, type WeightSource } from './model/plan.js';
export { runnerOn, checkBackendName, type Runner, type BackendName } from './tasks/plan_runner.js';
export {
  ResNet,
  ARCHITECTURES,
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
} from './model/resnet.js';
export { parseWeights, detectWeightsFormat, type LoadWeightsOptions } from './io/weights/parse.js';
export { toTorchvisionKeys, toHuggingFaceKeys } from './io/weights/key_map.js';
export { decodeImage } from './io/decode_image.js';
export type { RgbImage } from './io/rgb_image.js';
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
  type Preset,
  type PresetName,
} from './data/transforms.js';
export { topK, EMBED_LAYERS, type Prediction, type EmbedLayer } from './tasks/results.js';
export { CAM_METHODS, type CamMethod } from './tasks/cam_maps.js';
export { CAM_LAYERS, type CamLayer } from './tasks/cam_pass.js';
export type { Heatmap, Box } from './tasks/cam_box.js';
