/** `resnet50 export --weights W --format onnx --out model.onnx`: the model with its weights as ONNX. */
import { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET, checkOpset, writeOnnx } from '../tasks/onnx_export.js';
import { choiceFlag, intFlag, stringFlag, UsageError, type Command } from './args.js';
import { loadFromFlags } from './common.js';
import { flagSentence } from './flags.js';
import { UserError } from '../errors.js';

const FORMATS = ['onnx'] as const;

export const exportCommand: Command = {
  name: 'export',
  summary: 'write the model with its weights as ONNX',
  help: `Usage: resnet50 export --out FILE [--format onnx] [--weights W] [--arch A] [--opset N]

Writes the model and its weights as one ONNX file: input 'input' [batch, 3, height, width] with
symbolic batch and spatial sizes, output 'logits' [batch, classes] (before softmax). The graph
mirrors torchvision's torch.onnx export: BatchNormalization unfolded, initializers named by
state-dict keys (layer1.0.conv1.weight). Default weights: IMAGENET1K_V2.

  --weights W    a .safetensors/.pth/.pt file (torchvision, timm or Hugging Face names) or
                 IMAGENET1K_V1 / IMAGENET1K_V2 (downloaded once into $RESNET50_CACHE)
  --arch A       resnet18, resnet34, resnet50 (default), resnet101, resnet152
  --format F     onnx (the only format so far; default onnx)
  --out FILE     where to write (required); written to a temp file first, then renamed
  --opset N      ai.onnx opset, ${MIN_OPSET} to ${MAX_OPSET} (default ${DEFAULT_OPSET})`,
  flags: {
    weights: { type: 'string' },
    arch: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    opset: { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length > 0) {
      throw new UsageError(`export: unexpected argument '${positionals[0]}' (see 'resnet50 export --help').`);
    }
    choiceFlag(values, 'format', FORMATS, 'onnx');
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
    const bytes = writeOnnx(out, model, { opset });
    process.stderr.write(
      `wrote ${out} (${arch}, ONNX opset ${opset}, ${(bytes.length / 1e6).toFixed(1)} MB)\n`,
    );
  },
};
