/** `resnet50 embed IMAGE...`: pooled 2048-d embeddings or stage feature maps, as JSON or safetensors. */
import { embedFiles, EMBED_LAYERS, type Embedding, type EmbedLayer } from '../tasks/embed.js';
import { saveWeightsFile } from '../io/weights/index.js';
import { Tensor } from '../tensor/tensor.js';
import { choiceFlag, stringFlag, UsageError, type Command } from './args.js';
import {
  BATCH_FLAGS,
  BatchOutput,
  batchHelp,
  IMAGES_HELP,
  imageArguments,
  outputFormat,
  prepareOutputFiles,
} from './batch.js';
import { MODEL_FLAGS, MODEL_HELP, runnerFromFlags } from './common.js';

export const embedCommand: Command = {
  name: 'embed',
  summary: 'image embeddings (pooled 2048-d vector or a stage feature map)',
  help: `Usage: resnet50 embed IMAGE... --weights W [--layer pool|layer1|layer2|layer3|layer4]
                      [--json | --jsonl | --out FILE.safetensors] [--quiet]

${IMAGES_HELP}

${MODEL_HELP}
  --layer L      pool (default: the global-average-pooled features), stem, layer1 … layer4
  --out FILE     write one tensor "embeddings" [N, ...] to a .safetensors file, N = the images
                 that could be used (metadata: those files in order and the layer); its folder
                 is created and checked before the weights are loaded
${batchHelp('{"file","layer","shape","data":[...]}')}`,
  flags: {
    ...MODEL_FLAGS,
    layer: { type: 'string' },
    out: { type: 'string' },
    ...BATCH_FLAGS,
  },
  async run(values, positionals) {
    if (stringFlag(values, 'weights') === undefined) {
      throw new UsageError('embed: --weights is required (a file, IMAGENET1K_V1 or IMAGENET1K_V2).');
    }
    const format = outputFormat('embed', values);
    const out = stringFlag(values, 'out');
    if (out !== undefined && format !== 'text')
      throw new UsageError(`embed: use either --${format} or --out, not both.`);
    const layer: EmbedLayer = choiceFlag(values, 'layer', EMBED_LAYERS, 'pool');
    const files = await imageArguments('embed', positionals);
    if (out !== undefined) prepareOutputFiles([out]);
    const { runner, preset } = await runnerFromFlags(values);
    const output = new BatchOutput<Embedding>(
      {
        json: (e) => ({ file: e.file, layer: e.layer, shape: e.shape, data: Array.from(e.data) }),
        text: (e) => {
          const norm = Math.sqrt(e.data.reduce((s, v) => s + v * v, 0));
          const head = Array.from(e.data.subarray(0, 4), (v) => v.toFixed(4)).join(', ');
          return `${e.file}  ${e.layer} [${e.shape.join(', ')}]  L2 ${norm.toFixed(4)}  [${head}, …]`;
        },
      },
      { format, total: files.length, quiet: values.quiet === true, silent: out !== undefined },
    );
    const embeddings = await embedFiles(runner, files, layer, preset, {
      onResult: ({ result }) => output.result(result.file, result),
      onFailure: (failure) => output.failure(failure),
    });
    if (out !== undefined && embeddings.length > 0) {
      const shape = embeddings[0].shape;
      if (embeddings.some((e) => e.shape.join() !== shape.join())) {
        throw new UsageError('embed: --out needs equal-sized feature maps; use a cropping --preset.');
      }
      const data = new Float32Array(embeddings.length * embeddings[0].data.length);
      embeddings.forEach((e, i) => data.set(e.data, i * e.data.length));
      saveWeightsFile(out, new Map([['embeddings', new Tensor(data, [embeddings.length, ...shape])]]), {
        files: JSON.stringify(embeddings.map((e) => e.file)),
        layer,
      });
      output.note(`wrote ${embeddings.length}×[${shape.join(', ')}] ${layer} embeddings to ${out}`);
    }
    return output.finish();
  },
};
