/**
 * Errors a user can cause (bad file, bad key, bad shape, bad flag). The CLI prints `message` alone
 * and exits non-zero; anything that is not a UserError is a bug and keeps its stack trace.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  /** The sentence as a template when it names library options (see OptionError), else undefined. */
  readonly template: string | undefined;
  /**
   * With `namesOptions`, `sentence` is a template in which `{name}` marks a library option: the
   * message spells it `options.name` and the CLI prints its flag (see OptionError).
   */
  constructor(sentence: string, { namesOptions = false }: { namesOptions?: boolean } = {}) {
    super(namesOptions ? renderOptionTemplate(sentence, (option) => `options.${option}`) : sentence);
    this.template = namesOptions ? sentence : undefined;
  }
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
 * (`--name`), so library code never speaks flag names. Other user errors whose sentence names an
 * option (a file refused unless `{allowNonFinite}`) keep their class and pass `namesOptions`.
 */
export class OptionError extends UserError {
  override readonly name = 'OptionError';
  declare readonly template: string;
  constructor(template: string) {
    super(template, { namesOptions: true });
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
  /** The template of a user error whose sentence names options. */
  template?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof UserError && err.template !== undefined) {
    return { name: err.name, message: err.message, template: err.template };
  }
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/**
 * The error a worker raised, in this thread: user errors keep their class and message (the CLI
 * prints them as one sentence); anything else is a bug and keeps the worker's stack under `where`.
 */
export function deserializeError(e: SerializedError, where: string): Error {
  const classes: Record<string, typeof UserError> = {
    UserError,
    FileFormatError,
    ShapeError,
    StateDictError,
  };
  if (e.name === 'OptionError' && e.template !== undefined) return new OptionError(e.template);
  const Ctor = classes[e.name];
  if (Ctor && e.template !== undefined) return new Ctor(e.template, { namesOptions: true });
  if (Ctor) return new Ctor(e.message);
  const err = new Error(`${where} failed: ${e.message}`);
  if (e.stack) err.stack = `${err.message}\n--- in worker ---\n${e.stack}`;
  return err;
}
