/**
 * The images a batch task gets from a list of arguments: a file stays a file (a missing or broken one
 * fails on its own when it is read), a directory becomes the .png/.jpg/.jpeg files under it
 * (recursively, sorted as listImageFiles sorts them), and `-` becomes the bytes of standard input,
 * read into memory up to a size limit.
 */
import { statSync } from 'node:fs';
import { listImageFiles } from '../data/image_folder.js';
import type { ImageSource } from '../io/image.js';
import { UserError } from '../errors.js';

/** What standard input's image is called in results, errors and output file names. */
export const STDIN_NAME = 'stdin';
/** Standard input holds at most this many bytes (a 100-megapixel PNG is smaller). */
export const MAX_STDIN_BYTES = 256 * 2 ** 20;

export interface ExpandOptions {
  /** Where `-` reads from (default: process.stdin). */
  stdin?: AsyncIterable<Uint8Array>;
  /** Default MAX_STDIN_BYTES. */
  maxStdinBytes?: number;
}

/** The bytes of a stream, or a UserError once it holds more than `maxBytes`. */
export async function readAllBytes(
  stream: AsyncIterable<Uint8Array>,
  maxBytes: number,
  name: string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const bytes of stream) {
    size += bytes.length;
    if (size > maxBytes) {
      const limit = maxBytes >= 2 ** 20 ? `${maxBytes / 2 ** 20} MiB` : `${maxBytes} bytes`;
      throw new UserError(`${name}: more than ${limit} of image data; pass a file instead.`);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/**
 * Expands image arguments into sources, in argument order: directories into their image files,
 * `-` (at most once) into the bytes of standard input. A directory without images is an error.
 */
export async function expandImageSources(
  args: readonly string[],
  options: ExpandOptions = {},
): Promise<ImageSource[]> {
  if (args.filter((a) => a === '-').length > 1) {
    throw new UserError("'-' (standard input) can be given only once.");
  }
  const sources: ImageSource[] = [];
  for (const arg of args) {
    if (arg === '-') {
      const stdin = options.stdin ?? process.stdin;
      const bytes = await readAllBytes(stdin, options.maxStdinBytes ?? MAX_STDIN_BYTES, STDIN_NAME);
      sources.push({ name: STDIN_NAME, bytes });
    } else if (isDirectory(arg)) {
      const files = listImageFiles(arg);
      if (files.length === 0) throw new UserError(`${arg}: no .png, .jpg or .jpeg images in this directory.`);
      sources.push(...files);
    } else {
      sources.push(arg);
    }
  }
  return sources;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
