// After `tsc`: makes the package's bin (dist/src/cli/main.js, which starts with a #! line) executable.
// tsc writes files with mode 0644, and npm links the root package's bin before `prepare` builds it, so
// without this `npx resnet50` finds the file but cannot run it. A no-op on Windows.
import { chmodSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
for (const file of Object.values(pkg.bin)) chmodSync(new URL(`../${file}`, import.meta.url), 0o755);
