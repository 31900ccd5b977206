/** `resnet50 detect IMAGE...`: objects found by Faster R-CNN R50-FPN, as text, JSON or a PNG with boxes. */
import { imageName } from '../io/image.js';
import { DETECTION_MODELS, detectImages, type FileDetections } from '../tasks/detect.js';
import { resolveBackend } from '../tasks/runner.js';
import { choiceFlag, stringFlag, numberFlag, UsageError, type Command } from './args.js';
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

export const detectCommand: Command = {
  name: 'detect',
  summary: 'objects in photos (Faster R-CNN R50-FPN, COCO)',
  help: `Usage: resnet50 detect IMAGE... --weights W|--weights-backbone B
                       [--model fasterrcnn|fasterrcnn-v2]
                       [--threshold 0.5] [--out boxes.png] [--json | --jsonl] [--backend B]

Finds objects of the 91 COCO categories with torchvision's Faster R-CNN R50-FPN (images resized
to a short side of 800, long side at most 1333; boxes are reported in the original pixels).
${IMAGES_HELP}

  --weights W    a .pth/.safetensors file with torchvision's keys, or a registry name:
                 fasterrcnn_resnet50_fpn_coco (v1, box mAP 37.0) or
                 fasterrcnn_resnet50_fpn_v2_coco (v2, 46.7), downloaded once into the cache
  --weights-backbone B
                 instead of --weights, to try the pipeline without COCO weights: ImageNet
                 ResNet-50 weights (a file with torchvision/timm/HF names, or IMAGENET1K_V1/V2)
                 as the backbone, and torchvision's random initialization (seed 0) for the FPN,
                 RPN and box heads. Everything runs; the detections are meaningless
  --model M      fasterrcnn (v1) or fasterrcnn-v2; default: the registry entry's, else guessed
                 from the file's keys
  --threshold T  report detections scoring at least T (default 0.5; the model keeps all above 0.05)
  --out FILE     write a PNG with labeled boxes; with several images, one PNG each, named FILE's
                 name + '-' + the image's name (boxes.png → boxes-chelsea.png); the folder is
                 created and checked first
  --backend B    native (default when the addon is built) or js (slow); also $RESNET50_BACKEND
${batchHelp('{"file","detections":[{"classIndex","label","score","box":[x0,y0,x1,y1]}]}')}`,
  flags: {
    weights: { type: 'string' },
    'weights-backbone': { type: 'string' },
    model: { type: 'string' },
    threshold: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
    ...BATCH_FLAGS,
  },
  async run(values, positionals) {
    const weights = stringFlag(values, 'weights');
    const weightsBackbone = stringFlag(values, 'weights-backbone');
    if (weights !== undefined && weightsBackbone !== undefined) {
      throw new UsageError('detect: give --weights or --weights-backbone, not both.');
    }
    if (weights === undefined && weightsBackbone === undefined) {
      throw new UsageError(
        'detect: --weights is required (a file or fasterrcnn_resnet50_fpn_coco; or --weights-backbone to try ' +
          "the pipeline without them; see 'resnet50 detect --help').",
      );
    }
    const format = outputFormat('detect', values);
    const model =
      values.model === undefined ? undefined : choiceFlag(values, 'model', DETECTION_MODELS, 'fasterrcnn');
    const threshold = numberFlag(values, 'threshold', { min: 0, max: 1 }) ?? 0.5;
    const out = stringFlag(values, 'out');
    const backend = stringFlag(values, 'backend');
    resolveBackend(backend);
    const files = await imageArguments('detect', positionals);
    const outPaths = out === undefined ? undefined : outputPaths(out, files.map(imageName));
    if (outPaths !== undefined) prepareOutputFiles(outPaths);
    const output = new BatchOutput<FileDetections>(
      {
        json: (r) => r,
        text: (r) => {
          const lines = [
            `${r.file}: ${r.detections.length} detection${r.detections.length === 1 ? '' : 's'}`,
          ];
          for (const d of r.detections) {
            const box = d.box.map((v) => v.toFixed(1)).join(', ');
            lines.push(
              `  ${(d.score * 100).toFixed(1).padStart(5)}%  ${d.label} (${d.classIndex})  [${box}]`,
            );
          }
          return lines.join('\n');
        },
      },
      { format, total: files.length, quiet: values.quiet === true },
    );
    if (weightsBackbone !== undefined) {
      process.stderr.write(
        'resnet50: detect: --weights-backbone leaves the FPN, RPN and box heads random, so the detections ' +
          'are meaningless; COCO weights (--weights fasterrcnn_resnet50_fpn_coco) find real objects.\n',
      );
    }
    await detectImages(
      files,
      {
        weights,
        weightsBackbone,
        model,
        backend,
        threshold,
        out: outPaths,
        onFailure: (failure) => output.failure(failure),
      },
      ({ index, result }) => {
        output.result(result.file, result);
        if (outPaths !== undefined) output.note(`wrote ${outPaths[index]}`);
      },
    );
    return output.finish();
  },
};
