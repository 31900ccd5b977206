/**
 * Writes a file so that nobody ever sees a partial one: the content goes to a temp file beside it,
 * which is renamed into place; on failure the temp file is removed and a FileFormatError names
 * the path.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileFormatError, UserError } from '../errors.js';
export function writeFileAtomic(path, chunks) {
    replaceAtomic(path, (tmp) => {
        const fd = openSync(tmp, 'wx');
        try {
            for (const chunk of chunks) {
                for (let done = 0; done < chunk.length;)
                    done += writeSync(fd, chunk, done, chunk.length - done);
            }
        }
        finally {
            closeSync(fd);
        }
    });
}
/** Copies `from` over `path` with the same guarantee. */
export function copyFileAtomic(from, path) {
    replaceAtomic(path, (tmp) => copyFileSync(from, tmp));
}
function replaceAtomic(path, fill) {
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
        fill(tmp);
        renameSync(tmp, path);
    }
    catch (e) {
        rmSync(tmp, { force: true });
        if (e instanceof UserError)
            throw e;
        throw new FileFormatError(`${path}: cannot write (${e.message}).`);
    }
}
//# sourceMappingURL=atomic_write.js.map