/** Runs the built CLI in a child process and returns its exit code and output. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Small files the tests read: photos and a Fashion-MNIST slice (sources and licences in test/fixtures/README.md). */
export const IMAGES = fileURLToPath(new URL('../../../test/fixtures/images/', import.meta.url));
export const FASHION_MNIST = fileURLToPath(new URL('../../../test/fixtures/fashion-mnist/', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: REPO,
    env: {
      ...process.env,
      RESNET50_WEIGHTS_MIRROR: 'http://127.0.0.1:9/',
      RESNET50_DATASETS_MIRROR: 'http://127.0.0.1:9/',
      ...env,
    },
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
