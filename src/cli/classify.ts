/** `resnet50 classify IMAGE...`: top-k classes with softmax scores. */
import { classifyFiles } from '../tasks/classify.js';
import { labelsFor, readLabelsFile } from '../tasks/labels.js';
import { intFlag, requirePositionals, stringFlag, type Command } from './args.js';
import { MODEL_FLAGS, MODEL_HELP, runnerFromFlags } from './common.js';

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'top-k ImageNet classes of photos',
  help: `Usage: resnet50 classify IMAGE... [--weights W] [--arch A] [--preset P] [--top K]
                         [--labels FILE] [--logits] [--json]

Classifies PNG or JPEG images. Default weights: IMAGENET1K_V2 with its preprocessing.

${MODEL_HELP}
  --top K        how many classes to list (default 5)
  --labels FILE  class names: a JSON array or one name per line (default: the names recorded in
                 the weights by resnet50 train, else ImageNet-1k for 1000 classes)
  --logits       include the raw logits (with --json)
  --json         [{"file","top":[{"index","label","score"}],"logits":[...]}]; score = softmax probability`,
  flags: {
    ...MODEL_FLAGS,
    top: { type: 'string' },
    labels: { type: 'string' },
    logits: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, files) {
    requirePositionals('classify', files, 1, 'IMAGE');
    const topK = intFlag(values, 'top', 5);
    const labelsPath = stringFlag(values, 'labels');
    const userLabels = labelsPath === undefined ? undefined : readLabelsFile(labelsPath);
    const { runner, preset, card } = await runnerFromFlags(values);
    const labels = labelsFor(card.numClasses, userLabels ?? card.classNames, labelsPath);
    const results = await classifyFiles(runner, files, {
      preset,
      topK,
      labels,
      logits: values.logits === true,
    });
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(results)}\n`);
      return;
    }
    for (const r of results) {
      process.stdout.write(`${r.file}\n`);
      for (const p of r.top)
        process.stdout.write(`  ${(p.score * 100).toFixed(2).padStart(6)}%  ${p.label} (${p.index})\n`);
    }
  },
};
