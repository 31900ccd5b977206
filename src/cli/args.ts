/** Flag parsing for the CLI on top of node:util parseArgs: unknown flags and bad values are UserErrors. */
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import { checkActivationMemory, checkInputSize, checkThreads, checkWorkers } from '../limits.js';
import { ARCHITECTURES, type ArchName } from '../model/resnet.js';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface Command {
  name: string;
  summary: string;
  /** Full --help text. */
  help: string;
  flags: FlagSpec;
  /** Resolves to the exit code (nothing: 0); user errors are thrown. */
  run(
    values: Record<string, string | boolean | string[] | undefined>,
    positionals: string[],
  ): Promise<number | void>;
}

/** A usage mistake: printed with a pointer to --help, exit code 2. */
export class UsageError extends UserError {
  override readonly name = 'UsageError';
}

export function parseCommandArgs(
  command: Command,
  argv: string[],
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...command.flags, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (e) {
    const message = (e as Error).message
      .replace(/\.? To specify a positional argument.*$/s, '')
      .replace(/\.$/, '');
    throw new UsageError(`${command.name}: ${message} (see 'resnet50 ${command.name} --help').`);
  }
}

export function stringFlag(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function intFlag(values: Record<string, unknown>, name: string, fallback: number, min = 1): number {
  const raw = stringFlag(values, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${raw}'.`);
  return v;
}

/** Bounds of a number flag: `min` inclusive (exclusive when `above`), `max` inclusive. */
export interface NumberBounds {
  min?: number;
  above?: boolean;
  max?: number;
}

/** A finite number flag within `bounds`, or undefined when the flag is absent. */
export function numberFlag(
  values: Record<string, unknown>,
  name: string,
  bounds: NumberBounds = {},
): number | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  const { min, above = false, max } = bounds;
  const v = Number(raw);
  const inside = (min === undefined || v > min || (!above && v === min)) && (max === undefined || v <= max);
  if (raw.trim() === '' || !Number.isFinite(v) || !inside) {
    const range =
      min !== undefined && max !== undefined
        ? ` between ${min} and ${max}`
        : min !== undefined
          ? ` ${above ? '>' : '≥'} ${min}`
          : '';
    throw new UsageError(`--${name} must be a number${range}, got '${raw}'.`);
  }
  return v;
}

export function choiceFlag<T extends string>(
  values: Record<string, unknown>,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = stringFlag(values, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${raw}'.`);
  }
  return raw as T;
}

/** `224` or `HxW` (e.g. `231x257`). */
export function sizeFlag(values: Record<string, unknown>, name: string, fallback: number): [number, number] {
  const raw = stringFlag(values, name);
  if (raw === undefined) return [fallback, fallback];
  const m = /^(\d+)(?:[x×](\d+))?$/.exec(raw);
  if (m === null) throw new UsageError(`--${name} must be a size like 224 or 231x257, got '${raw}'.`);
  const size: [number, number] = [Number(m[1]), Number(m[2] ?? m[1])];
  for (const side of size) asUsage(() => checkInputSize(`--${name}`, side));
  return size;
}

/** A limit of src/limits.ts broken by a flag: a usage error (exit 2) naming the flag. */
function asUsage(check: () => void): void {
  try {
    check();
  } catch (e) {
    if (e instanceof UserError) throw new UsageError(e.message);
    throw e;
  }
}

/** An image-size flag in pixels (`--input-size`, `--size`): at least `min`, at most MAX_INPUT_SIZE. */
export function inputSizeFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
): number {
  const v = intFlag(values, name, fallback, min);
  asUsage(() => checkInputSize(`--${name}`, v, min));
  return v;
}

/** `--threads` of the native engine, bounded by the cores (undefined when absent). */
export function threadsFlag(values: Record<string, unknown>): number | undefined {
  if (stringFlag(values, 'threads') === undefined) return undefined;
  const v = intFlag(values, 'threads', 1);
  asUsage(() => checkThreads('--threads', v));
  return v;
}

/** `--workers` (data-loader threads), 0 to MAX_WORKERS. */
export function workersFlag(values: Record<string, unknown>, fallback: number): number {
  const v = intFlag(values, 'workers', fallback, 0);
  asUsage(() => checkWorkers('--workers', v));
  return v;
}

/** Refuses a `--batch` whose activations at the given size would not fit in memory. */
export function checkBatchFlags(
  arch: ArchName,
  batch: number,
  [height, width]: readonly [number, number],
  training: boolean,
  sizeFlagName: string,
): void {
  asUsage(() =>
    checkActivationMemory(arch, ARCHITECTURES[arch], batch, height, width, training, {
      batch: '--batch',
      size: `--${sizeFlagName}`,
    }),
  );
}

export function requirePositionals(command: string, positionals: string[], min: number, what: string): void {
  if (positionals.length < min) {
    throw new UsageError(`${command}: missing ${what} (see 'resnet50 ${command} --help').`);
  }
}
