/** `resnet50 cam IMAGE...`: class activation maps (CAM, Grad-CAM, Grad-CAM++) as JSON, boxes and overlays. */
import { extname } from 'node:path';
import { imageName } from '../io/image.js';
import { MIN_INPUT_SIZE } from '../model/resnet.js';
import {
  CAM_LAYERS,
  CAM_METHODS,
  camImages,
  camResultJson,
  checkCamOptions,
  DEFAULT_CAM_SIZE,
  TOP1_CLASS_SOURCE,
  type CamFileResult,
  type CamLayer,
  type CamMethod,
} from '../tasks/cam.js';
import { checkThreshold, DEFAULT_BOX_THRESHOLD } from '../tasks/cam_box.js';
import { readLabelsFile } from '../tasks/labels.js';
import { resolveBackend } from '../tasks/runner.js';
import {
  choiceFlag,
  inputSizeFlag,
  intFlag,
  numberFlag,
  stringFlag,
  UsageError,
  type Command,
} from './args.js';
import {
  BATCH_FLAGS,
  BatchOutput,
  batchHelp,
  IMAGES_HELP,
  imageArguments,
  outputFormat,
  prepareOutputFiles,
} from './batch.js';
import { outputPaths } from './common.js';

/** Where the class of a map came from when --class is not given: JSON `classSource` and the text note. */
const TOP1_NOTE =
  "Each map is for the image's top-1 class on the whole image (resized, not cropped); classify's " +
  'top-1 comes from a centre crop and can differ. --class K maps class K.';

export const camCommand: Command = {
  name: 'cam',
  summary: 'class activation maps (CAM, Grad-CAM, Grad-CAM++): heatmaps, boxes, overlays',
  help: `Usage: resnet50 cam IMAGE... --weights W [--class K] [--method cam|gradcam|gradcam++]
                    [--layer layer4] [--threshold 0.2] [--out overlay.png] [--json | --jsonl]

Where in each image the network finds a class. The whole image is resized (shorter side --size,
PIL-exact bilinear, no crop), so the map covers all of it; gradients come from our own backward pass.
${IMAGES_HELP}

  --weights W    a .safetensors/.pth/.pt file (torchvision, timm or Hugging Face names) or
                 IMAGENET1K_V1 / IMAGENET1K_V2 (downloaded once into $RESNET50_CACHE)
  --arch A       resnet18 … resnet152 (default: the file's, else resnet50)
  --backend B    native (default when the addon is built) or js; also $RESNET50_BACKEND
  --class K      target class index (default: each image's top-1 on the whole image, which can
                 differ from classify's top-1: classify looks at a centre crop)
  --method M     gradcam (default): ReLU(Σ_c mean(∂logit_K/∂A_c) · A_c);
                 gradcam++: pixel-weighted gradients, as pytorch-grad-cam;
                 cam: Σ_c fc.weight[K, c] · A_c (layer4 only)
  --layer L      stem, layer1, layer2, layer3, layer4 (default): the maps A
  --size S       shorter side of the network input in pixels (default: the weights' input size,
                 ${DEFAULT_CAM_SIZE} for ImageNet weights); normalization as the weights were trained
  --threshold T  box: the largest 8-connected region where the map, bilinearly upsampled to the
                 image, is ≥ T · its maximum; T in (0, 1] (default ${DEFAULT_BOX_THRESHOLD})
  --labels FILE  class names: a JSON array or one name per line (default: the weights' recorded
                 names, else ImageNet-1k)
  --out FILE     PNG: the jet-coloured map over the photo, the box and the label; with several
                 images, one PNG each, named FILE's name + '-' + the image's name
                 (overlay.png → overlay-chelsea.png); the folder is created and checked first
${batchHelp(`{"file","classIndex","label","score","classSource","heatmap","box"}:
score = softmax probability; classSource "--class" or how the top-1 was found; heatmap
{"width","height","data":[...]} at the layer's resolution, row-major, in [0, 1]; box [x0,y0,x1,y1]
in original pixels, x1/y1 exclusive.`)}`,
  flags: {
    weights: { type: 'string' },
    arch: { type: 'string' },
    backend: { type: 'string' },
    class: { type: 'string' },
    method: { type: 'string' },
    layer: { type: 'string' },
    size: { type: 'string' },
    threshold: { type: 'string' },
    labels: { type: 'string' },
    out: { type: 'string' },
    ...BATCH_FLAGS,
  },
  async run(values, positionals) {
    const weights = stringFlag(values, 'weights');
    if (weights === undefined) {
      throw new UsageError('cam: --weights is required (a file, IMAGENET1K_V1 or IMAGENET1K_V2).');
    }
    const format = outputFormat('cam', values);
    const method: CamMethod = choiceFlag(values, 'method', CAM_METHODS, 'gradcam');
    const layer: CamLayer = choiceFlag(values, 'layer', CAM_LAYERS, 'layer4');
    checkCamOptions(method, layer);
    const threshold = numberFlag(values, 'threshold') ?? DEFAULT_BOX_THRESHOLD;
    checkThreshold(threshold);
    const size = values.size === undefined ? undefined : inputSizeFlag(values, 'size', 0, MIN_INPUT_SIZE);
    const classIndex = values.class === undefined ? undefined : intFlag(values, 'class', 0, 0);
    const out = stringFlag(values, 'out');
    if (out !== undefined && extname(out).toLowerCase() !== '.png') {
      throw new UsageError(`cam: --out must name a .png file, got '${out}'.`);
    }
    const labelsPath = stringFlag(values, 'labels');
    const userLabels = labelsPath === undefined ? undefined : readLabelsFile(labelsPath);
    const backend = stringFlag(values, 'backend');
    resolveBackend(backend);
    const files = await imageArguments('cam', positionals);
    const overlays = out === undefined ? undefined : outputPaths(out, files.map(imageName));
    if (overlays !== undefined) prepareOutputFiles(overlays);
    const classSource = classIndex === undefined ? TOP1_CLASS_SOURCE : '--class';
    let noted = false;
    const output = new BatchOutput<CamFileResult>(
      {
        json: (r) => camResultJson(r, classSource),
        text: (r) => {
          const note = noted || classIndex !== undefined ? '' : `${TOP1_NOTE}\n`;
          noted = true;
          return (
            `${note}${r.file}  ${r.label} (${r.classIndex})  ${(r.score * 100).toFixed(2)}%  ${method} ${layer} ` +
            `${r.heatmap.width}×${r.heatmap.height}  box [${r.box.join(', ')}]`
          );
        },
      },
      { format, total: files.length, quiet: values.quiet === true },
    );
    await camImages(
      files,
      {
        arch: stringFlag(values, 'arch'),
        weights,
        method,
        layer,
        classIndex,
        backend,
        labels: userLabels,
        labelsSource: labelsPath,
        size,
        threshold,
        overlays,
        onFailure: (failure) => output.failure(failure),
      },
      ({ index, result }) => {
        output.result(result.file, result);
        if (overlays !== undefined) output.note(`wrote ${overlays[index]}`);
      },
    );
    return output.finish();
  },
};
