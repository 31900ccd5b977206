/**
 * Errors a user can cause (bad file, bad key, bad shape, bad flag). The CLI prints `message` alone
 * and exits non-zero; anything that is not a UserError is a bug and keeps its stack trace.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
}

/** A weights/image file that cannot be read or does not follow its format. */
export class FileFormatError extends UserError {
  override readonly name = 'FileFormatError';
}

/** A state dict that does not fit the model (missing/unexpected keys, shape mismatches). */
export class StateDictError extends UserError {
  override readonly name = 'StateDictError';
}

/** A tensor whose shape does not fit an op or a model. */
export class ShapeError extends UserError {
  override readonly name = 'ShapeError';
}
