/**
 * The data sets `resnet50 datasets fetch` knows, as plain data (where the four IDX files live, their
 * sizes and sha256, the class names), their download into the cache (`<cache>/datasets/<name>/`,
 * through io/download.ts: sha256-checked, atomic, with progress), and the resolution of the bare
 * name in `idx:fashion-mnist` to that cached folder.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { cacheDir, downloadFile, underBase, type TransferOptions } from '../io/download.js';
import { FASHION_MNIST_CLASSES } from './idx.js';

export type DatasetName = 'fashion-mnist' | 'mnist';

export interface DatasetFile {
  readonly fileName: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** A data set of four IDX files (the registry's, or one described the same way). */
export interface DatasetEntry {
  /** Its folder in the cache and its name in `idx:NAME`. */
  readonly name: string;
  /** The data set's own spelling, for messages: `Fashion-MNIST`. */
  readonly title: string;
  /** The official location of the files; a mirror replaces it. */
  readonly baseUrl: string;
  /** Who made it and under which licence. */
  readonly source: string;
  readonly classes: readonly string[];
  /** train images, train labels, test (t10k) images, test labels. */
  readonly files: readonly DatasetFile[];
}

// sha256 of the files as served at baseUrl: torchvision's prototype datasets (_builtin/mnist.py);
// sizes from download logs. Debian's Fashion-MNIST files (package dataset-fashion-mnist, whose gzip
// headers lack the file name) give exactly these bytes, sha256 and torchvision's md5
// (datasets/mnist.py) once the name and the original mtime (2017-08-31) are put back.
export const DATASETS: readonly (DatasetEntry & { readonly name: DatasetName })[] = Object.freeze([
  {
    name: 'fashion-mnist' as const,
    title: 'Fashion-MNIST',
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    source: 'Zalando Research, MIT licence',
    classes: FASHION_MNIST_CLASSES,
    files: [
      {
        fileName: 'train-images-idx3-ubyte.gz',
        bytes: 26_421_880,
        sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      },
      {
        fileName: 'train-labels-idx1-ubyte.gz',
        bytes: 29_515,
        sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
      },
      {
        fileName: 't10k-images-idx3-ubyte.gz',
        bytes: 4_422_102,
        sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
      },
      {
        fileName: 't10k-labels-idx1-ubyte.gz',
        bytes: 5_148,
        sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
      },
    ],
  },
  {
    name: 'mnist' as const,
    title: 'MNIST',
    // torchvision's mirror: the original http://yann.lecun.com/exdb/mnist/ is often unavailable
    baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    source: 'Yann LeCun, Corinna Cortes and Christopher Burges, CC BY-SA 3.0',
    classes: Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']),
    files: [
      {
        fileName: 'train-images-idx3-ubyte.gz',
        bytes: 9_912_422,
        sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      },
      {
        fileName: 'train-labels-idx1-ubyte.gz',
        bytes: 28_881,
        sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      },
      {
        fileName: 't10k-images-idx3-ubyte.gz',
        bytes: 1_648_877,
        sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      },
      {
        fileName: 't10k-labels-idx1-ubyte.gz',
        bytes: 4_542,
        sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
      },
    ],
  },
]);

/** The registry's entry named `name`. */
export function findDataset(name: string): DatasetEntry | undefined {
  return DATASETS.find((d) => d.name === name);
}

function getDataset(name: string): DatasetEntry {
  const entry = findDataset(name);
  if (entry === undefined) {
    throw new UserError(
      `Unknown data set '${name}'; choose one of ${DATASETS.map((d) => d.name).join(', ')}.`,
    );
  }
  return entry;
}

/** Where `name` is cached: `<cache>/datasets/<name>` (cache: `$RESNET50_CACHE`, see io/download.ts). */
export function datasetCacheDir(name: string, cache: string = cacheDir()): string {
  return join(cache, 'datasets', name);
}

/** True when every file of `entry` is in `dir` (a completed fetch: files appear only once verified). */
export function isDatasetIn(entry: DatasetEntry, dir: string): boolean {
  return entry.files.every((f) => existsSync(join(dir, f.fileName)));
}

export interface FetchDatasetOptions extends TransferOptions {
  /** The folder that receives the files (default: the cache's, `datasetCacheDir(name)`). */
  dir?: string;
  /**
   * A URL or directory holding `<name>/<file>` for every data set, replacing the official locations;
   * defaults to `$RESNET50_DATASETS_MIRROR`.
   */
  mirror?: string;
}

/** Where `file` of `entry` is fetched from: its official location, or the same file under the mirror. */
export function datasetSourceUrl(entry: DatasetEntry, file: DatasetFile, mirror?: string): string {
  const base = mirror || process.env.RESNET50_DATASETS_MIRROR;
  return base ? underBase(base, `${entry.name}/${file.fileName}`) : entry.baseUrl + file.fileName;
}

/**
 * Downloads the IDX files of `dataset` (a registry name, or an entry describing another data set)
 * into the cache or `options.dir`, each sha256-checked; files already there with the right hash
 * are kept without a request. Returns the folder that holds them.
 */
export async function fetchDataset(
  dataset: DatasetName | DatasetEntry,
  options: FetchDatasetOptions = {},
): Promise<string> {
  const entry = typeof dataset === 'string' ? getDataset(dataset) : dataset;
  const dir = options.dir ?? datasetCacheDir(entry.name);
  for (const file of entry.files) {
    const path = join(dir, file.fileName);
    await downloadFile(
      {
        source: datasetSourceUrl(entry, file, options.mirror),
        path,
        sha256: file.sha256,
        what: `${entry.title} ${file.fileName}`,
        otherwise: `place it at ${path}`,
        writable: options.dir === undefined ? undefined : 'choose a writable directory for the data set',
      },
      options,
    );
  }
  return dir;
}

/**
 * The folder and class names behind the part of `idx:SPEC` after the colon: a registered name
 * (`fashion-mnist`, `mnist`) is the cached copy, anything else a directory of IDX files (use
 * `./mnist` for a folder that happens to have a data set's name).
 */
export function resolveIdxSource(spec: string): { dir: string; classes?: readonly string[] } {
  const entry = findDataset(spec);
  if (entry === undefined) return { dir: spec };
  const dir = datasetCacheDir(entry.name);
  if (!isDatasetIn(entry, dir)) {
    // The check runs in the training worker too, where only the message survives: it names both ways.
    throw new UserError(
      `${entry.title} has not been downloaded (${dir} lacks its files); run ` +
        `'resnet50 datasets fetch ${entry.name}' (fetchDataset('${entry.name}') from code) first.`,
    );
  }
  return { dir, classes: entry.classes };
}
