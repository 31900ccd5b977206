/** Temporary directories for a test file, removed when the file's tests are done. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
/** Returns a function that makes a fresh directory named `prefix…` each time it is called. */
export function tempDirs(prefix) {
    const dirs = [];
    after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
    return () => {
        const dir = mkdtempSync(join(tmpdir(), prefix));
        dirs.push(dir);
        return dir;
    };
}
//# sourceMappingURL=tmp.js.map