/** `resnet50 convert IN OUT [--dtype]`: between .pth/.pt and .safetensors, renaming HF keys to torchvision's. */
import { loadWeightsFile, readWeightsMetadata, saveWeightsFile } from '../io/weights/index.js';
import { choiceFlag, requirePositionals, UsageError, type Command } from './args.js';

const DTYPES = ['f32', 'f16', 'bf16'] as const;
const STORAGE = { f32: 'F32', f16: 'F16', bf16: 'BF16' } as const;

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert weights between .pth and .safetensors (HF names → torchvision names), f32/f16/bf16',
  help: `Usage: resnet50 convert IN OUT [--dtype f32|f16|bf16]

Reads IN (.safetensors, or a PyTorch .pth/.pt zip checkpoint; torchvision, timm or Hugging Face
microsoft/resnet-50 key names) and writes OUT with torchvision key names. The format of OUT follows
its extension: .safetensors or .pth/.pt. A safetensors model card (arch, classes, preprocessing) is
carried over when both files are safetensors.

  --dtype D    how OUT stores float tensors: f32 (default), or f16 / bf16 (rounded to nearest
               even; half the bytes; .safetensors only). Every reader of this project widens
               them back to float32 on load, so classify/serve/the browser load them directly.`,
  flags: { dtype: { type: 'string' } },
  async run(values, positionals) {
    requirePositionals('convert', positionals, 2, 'IN and OUT');
    if (positionals.length > 2)
      throw new UsageError(`convert: expected IN and OUT, got ${positionals.length} paths.`);
    const [input, output] = positionals;
    const dtype = choiceFlag(values, 'dtype', DTYPES, 'f32');
    const tensors = loadWeightsFile(input);
    const metadata = readWeightsMetadata(input);
    saveWeightsFile(output, tensors, metadata, STORAGE[dtype]);
    process.stderr.write(`wrote ${tensors.size} tensors to ${output} (${dtype})\n`);
  },
};
