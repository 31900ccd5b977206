/**
 * `resnet50 export --weights W --format onnx --out model.onnx`: the model with its weights as ONNX;
 * `--format triton --out DIR`: a Triton model repository around that ONNX file (serve/triton.ts).
 */
import { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET, checkOpset, writeOnnx } from '../tasks/onnx_export.js';
import { choiceFlag, intFlag, stringFlag, UsageError, type Command } from './args.js';
import { loadFromFlags } from './common.js';
import { flagSentence } from './flags.js';
import { UserError } from '../errors.js';
import { writeTritonRepository } from '../serve/triton.js';

const FORMATS = ['onnx', 'triton'] as const;

export const exportCommand: Command = {
  name: 'export',
  summary: 'write the model with its weights as ONNX (or a Triton model repository)',
  help: `Usage: resnet50 export --out FILE [--format onnx] [--weights W] [--arch A] [--opset N]
       resnet50 export --format triton --out DIR [--max-batch 8] [--max-delay-ms 5] [...]

Writes the model and its weights as one ONNX file: input 'input' [batch, 3, height, width] with
symbolic batch and spatial sizes, output 'logits' [batch, classes] (before softmax). The graph
mirrors torchvision's torch.onnx export: BatchNormalization unfolded, initializers named by
state-dict keys (layer1.0.conv1.weight). Default weights: IMAGENET1K_V2.

  --weights W    a .safetensors/.pth/.pt file (torchvision, timm or Hugging Face names) or
                 IMAGENET1K_V1 / IMAGENET1K_V2 (downloaded once into $RESNET50_CACHE)
  --arch A       resnet18, resnet34, resnet50 (default), resnet101, resnet152
  --format F     onnx (default) or triton: a Triton Inference Server model repository,
                 DIR/resnet50/config.pbtxt (ONNX Runtime, dynamic batching, input 'input'
                 FP32 [3,-1,-1], output 'logits' FP32 [classes]) and DIR/resnet50/1/model.onnx
  --out FILE     where to write (required; a folder with --format triton); each file is written
                 to a temp file first, then renamed
  --opset N      ai.onnx opset, ${MIN_OPSET} to ${MAX_OPSET} (default ${DEFAULT_OPSET})
  --max-batch N  triton: max_batch_size (default 8)
  --max-delay-ms D  triton: dynamic batching's max queue delay (default 5)`,
  flags: {
    weights: { type: 'string' },
    arch: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    opset: { type: 'string' },
    'max-batch': { type: 'string' },
    'max-delay-ms': { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length > 0) {
      throw new UsageError(`export: unexpected argument '${positionals[0]}' (see 'resnet50 export --help').`);
    }
    const format = choiceFlag(values, 'format', FORMATS, 'onnx');
    if (format === 'onnx' && (values['max-batch'] !== undefined || values['max-delay-ms'] !== undefined)) {
      throw new UsageError('export: --max-batch and --max-delay-ms need --format triton.');
    }
    const maxBatch = intFlag(values, 'max-batch', 8);
    const maxDelayMs = intFlag(values, 'max-delay-ms', 5, 0);
    const out = stringFlag(values, 'out');
    if (out === undefined)
      throw new UsageError(`export: --out FILE is required (see 'resnet50 export --help').`);
    const opset = intFlag(values, 'opset', DEFAULT_OPSET);
    try {
      checkOpset(opset);
    } catch (e) {
      throw e instanceof UserError ? new UsageError(flagSentence(e)) : e;
    }
    const { model, arch } = await loadFromFlags(values);
    if (format === 'triton') {
      const written = writeTritonRepository(out, model, { opset, maxBatch, maxDelayMs });
      process.stderr.write(
        `wrote ${written.config} and ${written.onnx} (${arch}, ONNX opset ${opset}, ${(written.onnxBytes / 1e6).toFixed(1)} MB)\n`,
      );
      return;
    }
    const bytes = writeOnnx(out, model, { opset });
    process.stderr.write(
      `wrote ${out} (${arch}, ONNX opset ${opset}, ${(bytes.length / 1e6).toFixed(1)} MB)\n`,
    );
  },
};
