/** `resnet50 classify IMAGE...`: top-k classes with softmax scores. */
import { classifyFiles, type Classification } from '../tasks/classify.js';
import { labelsFor, readLabelsFile } from '../tasks/labels.js';
import { intFlag, stringFlag, UsageError, type Command } from './args.js';
import { BATCH_FLAGS, BatchOutput, batchHelp, IMAGES_HELP, imageArguments, outputFormat } from './batch.js';
import { MODEL_FLAGS, MODEL_HELP, runnerFromFlags } from './common.js';

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'top-k ImageNet classes of photos',
  help: `Usage: resnet50 classify IMAGE... [--weights W] [--arch A] [--preset P] [--top K]
                         [--labels FILE] [--logits] [--json | --jsonl] [--quiet]

Classifies PNG or JPEG images. Default weights: IMAGENET1K_V2 with its preprocessing.
${IMAGES_HELP}

${MODEL_HELP}
  --top K        how many classes to list (default 5)
  --labels FILE  class names: a JSON array or one name per line (default: the names recorded in
                 the weights by resnet50 train, else ImageNet-1k for 1000 classes)
  --logits       add the raw logits to each JSON object (needs --json or --jsonl; the text
                 output lists classes only, so --logits alone is refused)
${batchHelp('{"file","top":[{"classIndex","label","score"}],"logits":[...]};\nscore = softmax probability.')}`,
  flags: {
    ...MODEL_FLAGS,
    top: { type: 'string' },
    labels: { type: 'string' },
    logits: { type: 'boolean' },
    ...BATCH_FLAGS,
  },
  async run(values, positionals) {
    const format = outputFormat('classify', values);
    if (values.logits === true && format === 'text') {
      throw new UsageError(
        'classify: --logits needs --json or --jsonl (the text output lists classes only).',
      );
    }
    const topK = intFlag(values, 'top', 5);
    const labelsPath = stringFlag(values, 'labels');
    const userLabels = labelsPath === undefined ? undefined : readLabelsFile(labelsPath);
    const files = await imageArguments('classify', positionals);
    const { runner, preset, card } = await runnerFromFlags(values);
    const labels = labelsFor(card.numClasses, userLabels ?? card.classNames, labelsPath);
    const output = new BatchOutput<Classification>(
      {
        json: (r) => r,
        text: (r) =>
          [
            r.file,
            ...r.top.map((p) => `  ${(p.score * 100).toFixed(2).padStart(6)}%  ${p.label} (${p.classIndex})`),
          ].join('\n'),
      },
      { format, total: files.length, quiet: values.quiet === true },
    );
    await classifyFiles(runner, files, {
      preset,
      topK,
      labels,
      logits: values.logits === true,
      onResult: ({ result }) => output.result(result.file, result),
      onFailure: (failure) => output.failure(failure),
    });
    return output.finish();
  },
};
