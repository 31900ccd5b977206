/**
 * Reader for IDX files (the MNIST / Fashion-MNIST format), gzipped (`.gz`) or raw: a big-endian
 * header (two zero bytes, a type byte 0x08 for unsigned bytes, the number of dimensions, then one
 * u32 per dimension) followed by the data. Images are `0x00000803` ([N, H, W] u8), labels
 * `0x00000801` ([N] u8). Every problem is a FileFormatError naming the file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FileFormatError, UserError } from '../errors.js';
/** Fashion-MNIST's ten classes, in label order. */
export const FASHION_MNIST_CLASSES = Object.freeze([
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
export const FASHION_MNIST_MEAN = [0.286, 0.286, 0.286];
export const FASHION_MNIST_STD = [0.353, 0.353, 0.353];
const IDX_UBYTE = 0x08;
function readBytes(path) {
    let bytes;
    try {
        if (statSync(path).isDirectory())
            throw new FileFormatError(`${path}: is a directory, not an IDX file.`);
        bytes = readFileSync(path);
    }
    catch (err) {
        if (err instanceof FileFormatError)
            throw err;
        const code = err.code;
        if (code === 'ENOENT')
            throw new FileFormatError(`${path}: file not found.`);
        throw new FileFormatError(`${path}: cannot read file (${err.message}).`);
    }
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
        try {
            bytes = gunzipSync(bytes);
        }
        catch (err) {
            throw new FileFormatError(`${path}: corrupt gzip data (${err.message}).`);
        }
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
/** Parses IDX bytes; `source` names the file in errors; `ndims` (if given) must match the header. */
export function parseIdx(bytes, source, ndims) {
    if (bytes.length < 4)
        throw new FileFormatError(`${source}: too short for an IDX header.`);
    if (bytes[0] !== 0 || bytes[1] !== 0) {
        throw new FileFormatError(`${source}: not an IDX file (bad magic number).`);
    }
    if (bytes[2] !== IDX_UBYTE) {
        throw new FileFormatError(`${source}: unsupported IDX element type 0x${bytes[2].toString(16).padStart(2, '0')} (only unsigned bytes, 0x08).`);
    }
    const rank = bytes[3];
    if (ndims !== undefined && rank !== ndims) {
        const magic = `0x0000080${ndims}`;
        throw new FileFormatError(`${source}: IDX file has ${rank} dimensions, expected ${ndims} (magic ${magic}).`);
    }
    const headerSize = 4 + 4 * rank;
    if (bytes.length < headerSize)
        throw new FileFormatError(`${source}: truncated IDX header.`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const dims = [];
    let size = 1;
    for (let d = 0; d < rank; d++) {
        const n = view.getUint32(4 + 4 * d, false);
        dims.push(n);
        size *= n;
    }
    const actual = bytes.length - headerSize;
    if (actual !== size) {
        const what = actual < size ? 'truncated' : 'has trailing bytes';
        throw new FileFormatError(`${source}: IDX data ${what}: dimensions [${dims.join(', ')}] need ${size} bytes, found ${actual}.`);
    }
    return { dims, data: bytes.subarray(headerSize) };
}
/** Reads an IDX file (gzipped or raw). */
export function readIdx(path, ndims) {
    return parseIdx(readBytes(path), path, ndims);
}
/** Reads an images file (magic 0x00000803): `count` row-major H×W u8 images. */
export function readIdxImages(path) {
    const { dims, data } = readIdx(path, 3);
    const [count, height, width] = dims;
    if (height === 0 || width === 0)
        throw new FileFormatError(`${path}: IDX images have size ${width}x${height}.`);
    return { images: data, count, height, width };
}
/** Reads a labels file (magic 0x00000801). */
export function readIdxLabels(path) {
    return readIdx(path, 1).data;
}
/** The file of `kind` ('images' | 'labels') of a split in `dir`, trying the usual spellings. */
export function idxFilePath(dir, split, kind) {
    const prefix = split === 'train' ? 'train' : 't10k';
    const idx = kind === 'images' ? 'idx3' : 'idx1';
    const names = [`${prefix}-${kind}-${idx}-ubyte`, `${prefix}-${kind}.${idx}-ubyte`];
    for (const name of names) {
        for (const candidate of [`${name}.gz`, name]) {
            const p = join(dir, candidate);
            if (existsSync(p))
                return p;
        }
    }
    if (!existsSync(dir))
        throw new UserError(`${dir}: dataset directory not found.`);
    throw new UserError(`${dir}: no ${names[0]}(.gz) file for the ${split} split.`);
}
/** Reads the images and labels of a split from an MNIST-style directory and checks they agree. */
export function readIdxDataset(dir, split) {
    const imagesPath = idxFilePath(dir, split, 'images');
    const labelsPath = idxFilePath(dir, split, 'labels');
    const { images, count, height, width } = readIdxImages(imagesPath);
    const labels = readIdxLabels(labelsPath);
    if (labels.length !== count) {
        throw new FileFormatError(`${labelsPath}: has ${labels.length} labels but ${imagesPath} has ${count} images.`);
    }
    return { images, labels, count, height, width };
}
//# sourceMappingURL=idx.js.map