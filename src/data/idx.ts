/**
 * Reader for IDX files (the MNIST / Fashion-MNIST format), gzipped (`.gz`) or raw: a big-endian
 * header (two zero bytes, a type byte 0x08 for unsigned bytes, the number of dimensions, then one
 * u32 per dimension) followed by the data. Images are `0x00000803` ([N, H, W] u8), labels
 * `0x00000801` ([N] u8). Every problem is a FileFormatError naming the file. A gzipped file is
 * inflated only up to the size its header declares.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { constants } from 'node:buffer';
import { FileFormatError, UserError } from '../errors.js';

/** Fashion-MNIST's ten classes, in label order. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** Per-channel mean/std of the Fashion-MNIST training images in [0, 1] (replicated to RGB). */
export const FASHION_MNIST_MEAN: readonly [number, number, number] = [0.286, 0.286, 0.286];
export const FASHION_MNIST_STD: readonly [number, number, number] = [0.353, 0.353, 0.353];

const IDX_UBYTE = 0x08;

/** A decoded IDX file: its dimensions and the raw u8 values, row-major. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Images and labels of one split. `images` holds `count` row-major H×W grayscale images. */
export interface IdxDataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

function readBytes(path: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) throw new FileFormatError(`${path}: is a directory, not an IDX file.`);
    return readFileSync(path);
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileFormatError(`${path}: file not found.`);
    throw new FileFormatError(`${path}: cannot read file (${(err as Error).message}).`);
  }
}

/**
 * Compressed bytes inflated first to read the header: at most ~4 MB come out (deflate's 1032:1).
 * A file no longer than this is inflated whole, within the same bound.
 */
const GZIP_HEADER_PROBE = 4096;

/** Inflates a gzipped IDX file up to the size its header's dimensions declare, and no further. */
function gunzipIdx(bytes: Uint8Array, path: string, ndims?: number): Uint8Array {
  const corrupt = (err: unknown) =>
    new FileFormatError(`${path}: corrupt gzip data (${(err as Error).message}).`);
  let size: number | undefined;
  if (bytes.length > GZIP_HEADER_PROBE) {
    let head: Uint8Array;
    try {
      head = gunzipSync(bytes.subarray(0, GZIP_HEADER_PROBE), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (err) {
      throw corrupt(err);
    }
    const { dims, headerSize } = parseIdxHeader(head, path, ndims);
    size = headerSize + dims.reduce((a, d) => a * d, 1);
    if (size > constants.MAX_LENGTH)
      throw new FileFormatError(`${path}: IDX data of ${size} bytes is too large to load.`);
  }
  try {
    return gunzipSync(bytes, size === undefined ? {} : { maxOutputLength: size });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new FileFormatError(
        `${path}: gzip data inflates beyond the ${size} bytes its IDX header declares.`,
      );
    throw corrupt(err);
  }
}

/** Validates the header (magic, element type, rank) and returns the dimensions. */
function parseIdxHeader(
  bytes: Uint8Array,
  source: string,
  ndims?: number,
): { dims: number[]; headerSize: number } {
  if (bytes.length < 4) throw new FileFormatError(`${source}: too short for an IDX header.`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FileFormatError(`${source}: not an IDX file (bad magic number).`);
  }
  if (bytes[2] !== IDX_UBYTE) {
    throw new FileFormatError(
      `${source}: unsupported IDX element type 0x${bytes[2].toString(16).padStart(2, '0')} (only unsigned bytes, 0x08).`,
    );
  }
  const rank = bytes[3];
  if (ndims !== undefined && rank !== ndims) {
    const magic = `0x0000080${ndims}`;
    throw new FileFormatError(
      `${source}: IDX file has ${rank} dimensions, expected ${ndims} (magic ${magic}).`,
    );
  }
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) throw new FileFormatError(`${source}: truncated IDX header.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, d) => view.getUint32(4 + 4 * d, false));
  return { dims, headerSize };
}

/** Parses IDX bytes; `source` names the file in errors; `ndims` (if given) must match the header. */
export function parseIdx(bytes: Uint8Array, source: string, ndims?: number): IdxArray {
  const { dims, headerSize } = parseIdxHeader(bytes, source, ndims);
  const size = dims.reduce((a, d) => a * d, 1);
  const actual = bytes.length - headerSize;
  if (actual !== size) {
    const what = actual < size ? 'truncated' : 'has trailing bytes';
    throw new FileFormatError(
      `${source}: IDX data ${what}: dimensions [${dims.join(', ')}] need ${size} bytes, found ${actual}.`,
    );
  }
  return { dims, data: bytes.subarray(headerSize) };
}

/** Reads an IDX file (gzipped or raw). */
export function readIdx(path: string, ndims?: number): IdxArray {
  const bytes = readBytes(path);
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return parseIdx(gzipped ? gunzipIdx(bytes, path, ndims) : bytes, path, ndims);
}

/** Reads an images file (magic 0x00000803): `count` row-major H×W u8 images. */
export function readIdxImages(path: string): {
  images: Uint8Array;
  count: number;
  height: number;
  width: number;
} {
  const { dims, data } = readIdx(path, 3);
  const [count, height, width] = dims;
  if (height === 0 || width === 0)
    throw new FileFormatError(`${path}: IDX images have size ${width}x${height}.`);
  return { images: data, count, height, width };
}

/** Reads a labels file (magic 0x00000801). */
export function readIdxLabels(path: string): Uint8Array {
  return readIdx(path, 1).data;
}

/** The file of `kind` ('images' | 'labels') of a split in `dir`, trying the usual spellings. */
export function idxFilePath(dir: string, split: 'train' | 'test', kind: 'images' | 'labels'): string {
  const prefix = split === 'train' ? 'train' : 't10k';
  const idx = kind === 'images' ? 'idx3' : 'idx1';
  const names = [`${prefix}-${kind}-${idx}-ubyte`, `${prefix}-${kind}.${idx}-ubyte`];
  for (const name of names) {
    for (const candidate of [`${name}.gz`, name]) {
      const p = join(dir, candidate);
      if (existsSync(p)) return p;
    }
  }
  if (!existsSync(dir)) throw new UserError(`${dir}: dataset directory not found.`);
  throw new UserError(`${dir}: no ${names[0]}(.gz) file for the ${split} split.`);
}

/** Reads the images and labels of a split from an MNIST-style directory and checks they agree. */
export function readIdxDataset(dir: string, split: 'train' | 'test'): IdxDataset {
  const imagesPath = idxFilePath(dir, split, 'images');
  const labelsPath = idxFilePath(dir, split, 'labels');
  const { images, count, height, width } = readIdxImages(imagesPath);
  const labels = readIdxLabels(labelsPath);
  if (labels.length !== count) {
    throw new FileFormatError(
      `${labelsPath}: has ${labels.length} labels but ${imagesPath} has ${count} images.`,
    );
  }
  return { images, labels, count, height, width };
}
