/**
 * Errors a user can cause (bad file, bad key, bad shape, bad flag). The CLI prints `message` alone
 * and exits non-zero; anything that is not a UserError is a bug and keeps its stack trace.
 */
export class UserError extends Error {
    name = 'UserError';
}
/** A weights/image file that cannot be read or does not follow its format. */
export class FileFormatError extends UserError {
    name = 'FileFormatError';
}
/** A state dict that does not fit the model (missing/unexpected keys, shape mismatches). */
export class StateDictError extends UserError {
    name = 'StateDictError';
}
/** A tensor whose shape does not fit an op or a model. */
export class ShapeError extends UserError {
    name = 'ShapeError';
}
export function serializeError(err) {
    if (err instanceof Error)
        return { name: err.name, message: err.message, stack: err.stack };
    return { name: 'Error', message: String(err) };
}
/**
 * The error a worker raised, in this thread: user errors keep their class and message (the CLI
 * prints them as one sentence); anything else is a bug and keeps the worker's stack under `where`.
 */
export function deserializeError(e, where) {
    const classes = {
        UserError,
        FileFormatError,
        ShapeError,
        StateDictError,
    };
    const Ctor = classes[e.name];
    if (Ctor)
        return new Ctor(e.message);
    const err = new Error(`${where} failed: ${e.message}`);
    if (e.stack)
        err.stack = `${err.message}\n--- in worker ---\n${e.stack}`;
    return err;
}
//# sourceMappingURL=errors.js.map