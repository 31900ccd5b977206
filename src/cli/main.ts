#!/usr/bin/env node
/** The `resnet50` command: dispatches to one file per command; user errors print one sentence. */
import { UserError } from '../errors.js';
import { parseCommandArgs, UsageError, type Command } from './args.js';
import { benchCommand } from './bench.js';
import { camCommand } from './cam.js';
import { classifyCommand } from './classify.js';
import { convertCommand } from './convert.js';
import { datasetsCommand } from './datasets.js';
import { detectCommand } from './detect.js';
import { embedCommand } from './embed.js';
import { exportCommand } from './export.js';
import { gradientsCommand } from './gradients.js';
import { summaryCommand } from './summary.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';

const COMMANDS: Command[] = [
  classifyCommand,
  embedCommand,
  summaryCommand,
  convertCommand,
  exportCommand,
  benchCommand,
  trainCommand,
  evalCommand,
  datasetsCommand,
  gradientsCommand,
  camCommand,
  detectCommand,
];

const USAGE = `Usage: resnet50 <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'resnet50 <command> --help' for a command's options.`;

/** Errors from the file system that a user causes (missing file, permissions) become one sentence too. */
function userMessage(e: unknown): string | null {
  if (e instanceof UserError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === 'string' && typeof err.path === 'string') {
    const reasons: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
      ENOTDIR: 'a parent is not a directory',
      ENOSPC: 'no space left on the device',
    };
    return `${err.path}: ${reasons[err.code] ?? err.code}.`;
  }
  return null;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw new UsageError(`Unknown command '${name}' (see 'resnet50 --help').`);
  const { values, positionals } = parseCommandArgs(command, rest);
  if (values.help === true) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  await command.run(values, positionals);
  return 0;
}

// A reader that goes away (`resnet50 … | head`) is not an error: stop quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(0);
});

// Data-loader workers are unref'd while idle and other work finishes on worker threads, so nothing
// may hold the event loop between two steps of a command: keep the process alive until it settles.
const keepAlive = setInterval(() => undefined, 1 << 30);
main(process.argv.slice(2))
  .finally(() => clearInterval(keepAlive))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      const message = userMessage(e);
      if (message === null) {
        process.stderr.write(
          `resnet50: internal error, please report it:\n${(e as Error)?.stack ?? String(e)}\n`,
        );
        process.exitCode = 70;
      } else {
        process.stderr.write(`resnet50: ${message}\n`);
        process.exitCode = e instanceof UsageError ? 2 : 1;
      }
    },
  );
