import { Tensor, type DType } from '../../tensor/tensor.js';
/** Element encodings found in weight files (safetensors names; torch storages map onto them). */
export type ElementType = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';
/** Bytes per element and the Tensor dtype each element type loads as. */
export declare const ELEMENT_TYPES: Readonly<Record<ElementType, {
    bytes: number;
    dtype: DType;
}>>;
export declare function isElementType(s: string): s is ElementType;
/**
 * Decodes `count` elements from `bytes` into float32 values. F32 data that is little-endian and
 * 4-byte aligned in memory is returned as a view on the same buffer (no copy).
 */
export declare function decodeElements(bytes: Uint8Array, type: ElementType, count: number, littleEndian?: boolean): Float32Array;
/** Parses a whole safetensors file held in memory. F32 tensors view `buf` when aligned. */
export declare function parseSafetensors(buf: Uint8Array, source: string): Map<string, Tensor>;
export declare function readSafetensors(path: string): Map<string, Tensor>;
/** Where one tensor's bytes lie in a safetensors file, from its header alone. */
export interface SafetensorsEntry {
    dtype: ElementType;
    shape: number[];
    /** Absolute byte offset of the data in the file. */
    offset: number;
    bytes: number;
}
/** Reads and validates only the header: tensor names, dtypes, shapes and data locations. */
export declare function readSafetensorsIndex(path: string): {
    entries: Map<string, SafetensorsEntry>;
    metadata: Record<string, string>;
};
/** Reads only the header and returns its `__metadata__` (empty object when absent). */
export declare function readSafetensorsMetadata(path: string): Record<string, string>;
/**
 * Writes `tensors` (keys sorted) as safetensors. The file appears atomically: data goes to a temp
 * file in the same directory that is renamed over `path`, and is removed if anything fails.
 */
export declare function writeSafetensors(path: string, tensors: Map<string, Tensor>, metadata?: Record<string, string>): void;
