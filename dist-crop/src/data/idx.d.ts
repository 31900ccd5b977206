/** Fashion-MNIST's ten classes, in label order. */
export declare const FASHION_MNIST_CLASSES: readonly string[];
/** Per-channel mean/std of the Fashion-MNIST training images in [0, 1] (replicated to RGB). */
export declare const FASHION_MNIST_MEAN: readonly [number, number, number];
export declare const FASHION_MNIST_STD: readonly [number, number, number];
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
/** Parses IDX bytes; `source` names the file in errors; `ndims` (if given) must match the header. */
export declare function parseIdx(bytes: Uint8Array, source: string, ndims?: number): IdxArray;
/** Reads an IDX file (gzipped or raw). */
export declare function readIdx(path: string, ndims?: number): IdxArray;
/** Reads an images file (magic 0x00000803): `count` row-major H×W u8 images. */
export declare function readIdxImages(path: string): {
    images: Uint8Array;
    count: number;
    height: number;
    width: number;
};
/** Reads a labels file (magic 0x00000801). */
export declare function readIdxLabels(path: string): Uint8Array;
/** The file of `kind` ('images' | 'labels') of a split in `dir`, trying the usual spellings. */
export declare function idxFilePath(dir: string, split: 'train' | 'test', kind: 'images' | 'labels'): string;
/** Reads the images and labels of a split from an MNIST-style directory and checks they agree. */
export declare function readIdxDataset(dir: string, split: 'train' | 'test'): IdxDataset;
