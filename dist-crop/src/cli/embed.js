/** `resnet50 embed IMAGE...`: pooled 2048-d embeddings or stage feature maps, as JSON or safetensors. */
import { embedFiles, EMBED_LAYERS } from '../tasks/embed.js';
import { saveWeightsFile } from '../io/weights/index.js';
import { Tensor } from '../tensor/tensor.js';
import { choiceFlag, requirePositionals, stringFlag, UsageError } from './args.js';
import { MODEL_FLAGS, MODEL_HELP, runnerFromFlags } from './common.js';
export const embedCommand = {
    name: 'embed',
    summary: 'image embeddings (pooled 2048-d vector or a stage feature map)',
    help: `Usage: resnet50 embed IMAGE... --weights W [--layer pool|layer1|layer2|layer3|layer4]
                      [--json | --out FILE.safetensors]

${MODEL_HELP}
  --layer L      pool (default: the global-average-pooled features), stem, layer1 … layer4
  --json         [{"file","layer","shape","data":[...]}]
  --out FILE     write one tensor "embeddings" [N, ...] to a .safetensors file
                 (metadata: the files in order and the layer)`,
    flags: {
        ...MODEL_FLAGS,
        layer: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
    },
    async run(values, files) {
        requirePositionals('embed', files, 1, 'IMAGE');
        if (stringFlag(values, 'weights') === undefined) {
            throw new UsageError('embed: --weights is required (a file, IMAGENET1K_V1 or IMAGENET1K_V2).');
        }
        const out = stringFlag(values, 'out');
        if (out !== undefined && values.json === true)
            throw new UsageError('embed: use either --json or --out, not both.');
        const layer = choiceFlag(values, 'layer', EMBED_LAYERS, 'pool');
        const { runner, preset } = await runnerFromFlags(values);
        const embeddings = await embedFiles(runner, files, layer, preset);
        if (out !== undefined) {
            const shape = embeddings[0].shape;
            if (embeddings.some((e) => e.shape.join() !== shape.join())) {
                throw new UsageError('embed: --out needs equal-sized feature maps; use a cropping --preset.');
            }
            const data = new Float32Array(embeddings.length * embeddings[0].data.length);
            embeddings.forEach((e, i) => data.set(e.data, i * e.data.length));
            saveWeightsFile(out, new Map([['embeddings', new Tensor(data, [embeddings.length, ...shape])]]), {
                files: JSON.stringify(files),
                layer,
            });
            process.stderr.write(`wrote ${embeddings.length}×[${shape.join(', ')}] ${layer} embeddings to ${out}\n`);
            return;
        }
        if (values.json === true) {
            const json = embeddings.map((e) => ({
                file: e.file,
                layer: e.layer,
                shape: e.shape,
                data: Array.from(e.data),
            }));
            process.stdout.write(`${JSON.stringify(json)}\n`);
            return;
        }
        for (const e of embeddings) {
            const norm = Math.sqrt(e.data.reduce((s, v) => s + v * v, 0));
            const head = Array.from(e.data.subarray(0, 4), (v) => v.toFixed(4)).join(', ');
            process.stdout.write(`${e.file}  ${e.layer} [${e.shape.join(', ')}]  L2 ${norm.toFixed(4)}  [${head}, …]\n`);
        }
    },
};
//# sourceMappingURL=embed.js.map