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

/** The name of replaceAtomic's temp files: `.<name>.<pid>.<8 hex digits>.tmp`. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files of writes that never finished in `dir` and returns their names: `own`,
 * those of this process (a writer thread was terminated mid-write; call it only once no writer of
 * this process is running); `stale`, those of processes that are gone (killed mid-write).
 */
export function removeUnfinishedWrites(dir: string, which: 'own' | 'stale' = 'own'): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (which === 'own' ? pid !== process.pid : pid === process.pid || isRunning(pid)) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
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
