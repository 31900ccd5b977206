/**
 * Writes a file so that nobody ever sees a partial one: the content goes to a temp file beside it,
 * which is renamed into place; on failure the temp file is removed and a FileFormatError names
 * the path.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileFormatError, UserError } from '../errors.js';

export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): void {
  replaceAtomic(path, (tmp) => {
    const fd = openSync(tmp, 'wx');
    try {
      for (const chunk of chunks) {
        for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done, chunk.length - done);
      }
    } finally {
      closeSync(fd);
    }
  });
}

/** Copies `from` over `path` with the same guarantee. */
export function copyFileAtomic(from: string, path: string): void {
  replaceAtomic(path, (tmp) => copyFileSync(from, tmp));
}

/**
 * Removes the temp files of writes by this process that never finished in `dir` (a writer thread
 * was terminated mid-write). Call it only once no writer of this process is running.
 */
export function removeUnfinishedWrites(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const own = new RegExp(`^\\..+\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`);
  for (const name of names) if (own.test(name)) rmSync(join(dir, name), { force: true });
}

function replaceAtomic(path: string, fill: (tmp: string) => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    fill(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof UserError) throw e;
    throw new FileFormatError(`${path}: cannot write (${(e as Error).message}).`);
  }
}
