/**
 * Errors a user can cause (bad file, bad key, bad shape, bad flag). The CLI prints `message` alone
 * and exits non-zero; anything that is not a UserError is a bug and keeps its stack trace.
 */
export declare class UserError extends Error {
    readonly name: string;
}
/** A weights/image file that cannot be read or does not follow its format. */
export declare class FileFormatError extends UserError {
    readonly name = "FileFormatError";
}
/** A state dict that does not fit the model (missing/unexpected keys, shape mismatches). */
export declare class StateDictError extends UserError {
    readonly name = "StateDictError";
}
/** A tensor whose shape does not fit an op or a model. */
export declare class ShapeError extends UserError {
    readonly name = "ShapeError";
}
/** An error as it crosses a thread boundary (structured clone drops the class). */
export interface SerializedError {
    name: string;
    message: string;
    stack?: string;
}
export declare function serializeError(err: unknown): SerializedError;
/**
 * The error a worker raised, in this thread: user errors keep their class and message (the CLI
 * prints them as one sentence); anything else is a bug and keeps the worker's stack under `where`.
 */
export declare function deserializeError(e: SerializedError, where: string): Error;
