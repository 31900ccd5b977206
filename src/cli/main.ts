#!/usr/bin/env node
/** The `resnet50` command: dispatches to one file per command; user errors print one sentence. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { flagSentence } from './flags.js';
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
import { serveCommand } from './serve.js';
import { summaryCommand } from './summary.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { quantizeCommand } from './quantize.js';

const COMMANDS: Command[] = [
  classifyCommand,
  embedCommand,
  summaryCommand,
  convertCommand,
  quantizeCommand,
  exportCommand,
  benchCommand,
  trainCommand,
  evalCommand,
  datasetsCommand,
  gradientsCommand,
  camCommand,
  detectCommand,
  serveCommand,
];

const USAGE = `Usage: resnet50 <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'resnet50 help <command>' or 'resnet50 <command> --help' for a command's options,
'resnet50 --version' for the version.`;

function findCommand(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw new UsageError(`Unknown command '${name}' (see 'resnet50 --help').`);
  return command;
}

function packageVersion(): string {
  const path = fileURLToPath(new URL('../../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** Errors from the file system that a user causes (missing file, permissions) become one sentence too. */
function userMessage(e: unknown): string | null {
  if (e instanceof UserError) return flagSentence(e);
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
  if (name === '--version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help' && rest.length > 0) {
    if (rest.length > 1) throw new UsageError("help: give one command, e.g. 'resnet50 help classify'.");
    process.stdout.write(`${findCommand(rest[0]).help}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = findCommand(name);
  const { values, positionals } = parseCommandArgs(command, rest);
  if (values.help === true) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  return (await command.run(values, positionals)) ?? 0;
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
      // A batch command's progress line may still be on the terminal.
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
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
