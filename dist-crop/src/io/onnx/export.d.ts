import { type ResNet } from '../../model/resnet.js';
export declare const MIN_OPSET = 13;
export declare const MAX_OPSET = 18;
export declare const DEFAULT_OPSET = 13;
export interface OnnxExportOptions {
    /** ai.onnx opset version, 13..18 (default 13). */
    opset?: number;
    /** Symbolic batch and spatial dims (default true); false fixes them to batch/height/width. */
    dynamic?: boolean;
    /** Static input size when `dynamic` is false (default 1 × 224 × 224). */
    batch?: number;
    height?: number;
    width?: number;
    /** Stored in the model's doc_string. */
    docString?: string;
}
/** Throws a UserError unless opset is an integer in [MIN_OPSET, MAX_OPSET]. */
export declare function checkOpset(opset: number): number;
/** The model as an ONNX ModelProto (bytes of a .onnx file). */
export declare function exportOnnx(model: ResNet, options?: OnnxExportOptions): Uint8Array;
/** Writes `exportOnnx(model, options)` to path atomically (a temp file next to it, then rename). */
export declare function writeOnnx(path: string, model: ResNet, options?: OnnxExportOptions): Uint8Array;
