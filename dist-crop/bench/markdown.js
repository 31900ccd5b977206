/**
 * Writes a benchmark's markdown report formatted with the repository's Prettier config (so that a
 * fresh report in bench/results/ passes `npm run lint` as it is), through a temp file and a rename.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { writeFileAtomic } from '../src/io/atomic_write.js';
/** The repository root (this file runs as dist/bench/markdown.js). */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
export async function writeMarkdown(path, text) {
    // the config that applies in bench/results/, wherever the report goes
    const options = (await resolveConfig(join(REPO, 'bench', 'results', 'report.md'))) ?? {};
    const formatted = await format(text, { ...options, parser: 'markdown' });
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, [Buffer.from(formatted, 'utf8')]);
}
//# sourceMappingURL=markdown.js.map