/** `resnet50 datasets fetch NAME [--dir D]` and `resnet50 datasets list`: the training data sets. */
import {
  DATASETS,
  datasetCacheDir,
  fetchDataset,
  findDataset,
  isDatasetIn,
  type DatasetEntry,
} from '../data/datasets.js';
import { requirePositionals, stringFlag, UsageError, type Command } from './args.js';

const NAMES = DATASETS.map((d) => d.name).join(', ');

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function totalBytes(d: DatasetEntry): number {
  return d.files.reduce((sum, f) => sum + f.bytes, 0);
}

export const datasetsCommand: Command = {
  name: 'datasets',
  summary: 'download Fashion-MNIST or MNIST for train/eval (--data idx:NAME)',
  help: `Usage: resnet50 datasets fetch NAME [--dir D]
       resnet50 datasets list

fetch downloads the four IDX files (train and t10k images and labels, gzipped) of NAME from their
official location, checks each file's sha256, and keeps them in $RESNET50_CACHE/datasets/NAME
(default ~/.cache/resnet50/datasets/NAME). Files already there are not downloaded again. Then
'--data idx:NAME' in train, eval and gradients finds them.

${DATASETS.map((d) => `  ${d.name.padEnd(14)} ${d.title}: ${d.source}; ${megabytes(totalBytes(d))}`).join('\n')}
  --dir D         download into D instead of the cache (then use --data idx:D)

$RESNET50_DATASETS_MIRROR (a URL or a directory holding NAME/FILE) replaces the official locations.
list shows each data set, its source and whether it is in the cache.`,
  flags: {
    dir: { type: 'string' },
  },
  async run(values, positionals) {
    requirePositionals('datasets', positionals, 1, "'fetch NAME' or 'list'");
    const [action, ...names] = positionals;
    if (action === 'list') {
      if (names.length > 0) throw new UsageError(`datasets list: unexpected argument '${names[0]}'.`);
      for (const d of DATASETS) {
        const dir = datasetCacheDir(d.name);
        const where = isDatasetIn(d, dir) ? dir : 'not fetched';
        const size = megabytes(totalBytes(d));
        process.stdout.write(`${d.name.padEnd(14)} ${d.title} (${d.source}; ${size}): ${where}\n`);
      }
      return;
    }
    if (action !== 'fetch') {
      throw new UsageError(`datasets: unknown action '${action}'; use 'fetch NAME' or 'list'.`);
    }
    if (names.length !== 1) {
      throw new UsageError(`datasets fetch: expected one NAME (${NAMES}), got ${names.length}.`);
    }
    const [name] = names;
    const entry = findDataset(name);
    if (entry === undefined) {
      throw new UsageError(`datasets fetch: unknown data set '${name}'; choose one of ${NAMES}.`);
    }
    const dir = await fetchDataset(entry, { dir: stringFlag(values, 'dir') });
    const data = values.dir === undefined ? `idx:${name}` : `idx:${dir}`;
    process.stderr.write(`${name} is in ${dir}; train or evaluate on it with --data ${data}\n`);
  },
};
