/**
 * What the batch commands (classify, embed, cam, detect) share: image arguments (files, directories,
 * `-`), output as each image finishes (text, JSON Lines, or one JSON array at the end), one error
 * line per image that cannot be used, progress on a terminal, and --out checked before any work.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ImageSource } from '../io/image.js';
import { expandImageSources } from '../tasks/image_sources.js';
import type { ImageFailure } from '../tasks/input.js';
import { UserError } from '../errors.js';
import { requirePositionals, UsageError, type FlagSpec } from './args.js';

export const BATCH_FLAGS: FlagSpec = {
  json: { type: 'boolean' },
  jsonl: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
};

export const IMAGES_HELP = `IMAGE: a PNG or JPEG file, a directory (its .png/.jpg/.jpeg files, recursively, sorted), or
'-' for one image on standard input (named "stdin" in the output).`;

/** Help of --json, --jsonl and --quiet, and of per-image errors; `record` describes one image's JSON. */
export function batchHelp(record: string): string {
  return `  --json         one JSON array at the end, one object per image
  --jsonl        JSON Lines: one object per image, printed as soon as the image is done
  -q, --quiet    no progress or notes on stderr (progress shows only on a terminal)

JSON of one image: ${record}

An image that cannot be used (missing, not an image, too small) prints 'resnet50: <file>: <why>'
on stderr and {"file","error"} in its place with --json/--jsonl; the others go on, and the exit
code is 1 at the end.`;
}

export type OutputFormat = 'text' | 'json' | 'jsonl';

/** --json or --jsonl (not both), else text. */
export function outputFormat(command: string, values: Record<string, unknown>): OutputFormat {
  if (values.json === true && values.jsonl === true) {
    throw new UsageError(`${command}: use either --json or --jsonl, not both.`);
  }
  return values.json === true ? 'json' : values.jsonl === true ? 'jsonl' : 'text';
}

/** The images named on the command line, directories and `-` expanded (before any model is loaded). */
export async function imageArguments(command: string, positionals: string[]): Promise<ImageSource[]> {
  requirePositionals(command, positionals, 1, 'IMAGE');
  return expandImageSources(positionals);
}

/**
 * Output files (`--out` and the files derived from it) checked before any work: the folder is
 * created when missing and must be writable, and no path may be an existing directory.
 */
export function prepareOutputFiles(paths: readonly string[]): void {
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new UserError(`--out: cannot create the folder ${dir} (${reason(e)}).`);
    }
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new UserError(`--out: the folder ${dir} is not writable.`);
    }
  }
  for (const path of paths) {
    if (isDirectory(path)) throw new UserError(`--out ${path} is a directory; give a file name.`);
  }
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EEXIST' || code === 'ENOTDIR') return 'a file is in the way';
  if (code === 'EACCES') return 'permission denied';
  return (e as Error).message;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `[12/40] path`, cut from the left to fit `columns` characters. */
export function formatProgress(done: number, total: number, file: string, columns = Infinity): string {
  const head = `[${done}/${total}] `;
  const room = columns - head.length - 1;
  if (file.length <= room) return head + file;
  return room > 1 ? `${head}…${file.slice(file.length - room + 1)}` : head.trimEnd();
}

/** How one image's result is printed. */
export interface ResultFormat<R> {
  /** Text output: the lines for one result, without the final newline. */
  text(result: R): string;
  /** The JSON object for one result. */
  json(result: R): object;
}

export interface BatchOutputOptions {
  format: OutputFormat;
  /** Images in the run (progress shows when there is more than one). */
  total: number;
  /** No progress or notes on stderr. */
  quiet: boolean;
  /** Print nothing per image on stdout (embed --out). */
  silent?: boolean;
}

/**
 * Prints each image's result as it arrives (the library reports them in input order), counts the
 * images that failed, and keeps a one-line progress indicator on stderr when it is a terminal.
 */
export class BatchOutput<R> {
  private readonly records: object[] = [];
  private done = 0;
  private failed = 0;
  private progressShown = false;
  private readonly progress: boolean;

  constructor(
    private readonly print: ResultFormat<R>,
    private readonly options: BatchOutputOptions,
  ) {
    this.progress = process.stderr.isTTY === true && options.total > 1 && !options.quiet;
  }

  result(file: string, result: R): void {
    if (!this.options.silent) this.record(() => this.print.text(result), this.print.json(result));
    this.step(file);
  }

  failure(failure: ImageFailure): void {
    this.failed++;
    this.write(process.stderr, `resnet50: ${failure.message}\n`);
    if (!this.options.silent) this.record(null, { file: failure.file, error: failure.message });
    this.step(failure.file);
  }

  /** A line for people on stderr (files written, how a result came about), unless --quiet. */
  note(line: string): void {
    if (!this.options.quiet) this.write(process.stderr, `${line}\n`);
  }

  /** Prints the --json array; the exit code: 1 when an image failed. */
  finish(): number {
    this.clearProgress();
    if (this.options.format === 'json' && !this.options.silent) {
      process.stdout.write(`${JSON.stringify(this.records)}\n`);
    }
    return this.failed > 0 ? 1 : 0;
  }

  private record(text: (() => string) | null, json: object): void {
    const { format } = this.options;
    if (format === 'json') this.records.push(json);
    else if (format === 'jsonl') this.write(process.stdout, `${JSON.stringify(json)}\n`);
    else if (text !== null) this.write(process.stdout, `${text()}\n`);
  }

  private step(file: string): void {
    this.done++;
    if (!this.progress || this.done === this.options.total) return;
    const line = formatProgress(this.done, this.options.total, file, process.stderr.columns || 80);
    process.stderr.write(`\r${line}\x1b[K`);
    this.progressShown = true;
  }

  /** Writes to stdout or stderr, first clearing the progress line when both share the terminal. */
  private write(stream: NodeJS.WriteStream, text: string): void {
    if (stream === process.stderr || stream.isTTY) this.clearProgress();
    stream.write(text);
  }

  private clearProgress(): void {
    if (!this.progressShown) return;
    process.stderr.write('\r\x1b[K');
    this.progressShown = false;
  }
}
