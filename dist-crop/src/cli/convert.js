/** `resnet50 convert IN OUT`: between .pth/.pt and .safetensors, renaming HF keys to torchvision's. */
import { loadWeightsFile, saveWeightsFile } from '../io/weights/index.js';
import { requirePositionals, UsageError } from './args.js';
export const convertCommand = {
    name: 'convert',
    summary: 'convert weights between .pth and .safetensors (HF names → torchvision names)',
    help: `Usage: resnet50 convert IN OUT

Reads IN (.safetensors, or a PyTorch .pth/.pt zip checkpoint; torchvision, timm or Hugging Face
microsoft/resnet-50 key names) and writes OUT with torchvision key names. The format of OUT follows
its extension: .safetensors or .pth/.pt. fp16/bf16 tensors are written as fp32.`,
    flags: {},
    async run(_values, positionals) {
        requirePositionals('convert', positionals, 2, 'IN and OUT');
        if (positionals.length > 2)
            throw new UsageError(`convert: expected IN and OUT, got ${positionals.length} paths.`);
        const [input, output] = positionals;
        const tensors = loadWeightsFile(input);
        saveWeightsFile(output, tensors);
        process.stderr.write(`wrote ${tensors.size} tensors to ${output}\n`);
    },
};
//# sourceMappingURL=convert.js.map