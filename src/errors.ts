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

/**
 * A bad option value. The sentence is a template in which `{name}` marks a library option: the
 * library's message spells it `options.name`; the CLI renders the same template with its flag
 * (`--name`), so library code never speaks flag names.
 */
export class OptionError extends UserError {
  override readonly name = 'OptionError';
  constructor(readonly template: string) {
    super(renderOptionTemplate(template, (option) => `options.${option}`));
  }
}

/** `template` with each `{option}` replaced by `spell(option)`. */
export function renderOptionTemplate(template: string, spell: (option: string) => string): string {
  return template.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_m, option: string) => spell(option));
}

/** An error as it crosses a thread boundary (structured clone drops the class). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** An OptionError's template. */
  template?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof OptionError) return { name: err.name, message: err.message, template: err.template };
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/**
 * The error a worker raised, in this thread: user errors keep their class and message (the CLI
 * prints them as one sentence); anything else is a bug and keeps the worker's stack under `where`.
 */
export function deserializeError(e: SerializedError, where: string): Error {
  const classes: Record<string, new (message: string) => Error> = {
    UserError,
    FileFormatError,
    ShapeError,
    StateDictError,
  };
  if (e.name === 'OptionError' && e.template !== undefined) return new OptionError(e.template);
  const Ctor = classes[e.name];
  if (Ctor) return new Ctor(e.message);
  const err = new Error(`${where} failed: ${e.message}`);
  if (e.stack) err.stack = `${err.message}\n--- in worker ---\n${e.stack}`;
  return err;
}
