/** Flag parsing for the CLI on top of node:util parseArgs: unknown flags and bad values are UserErrors. */
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
/** A usage mistake: printed with a pointer to --help, exit code 2. */
export class UsageError extends UserError {
    name = 'UsageError';
}
export function parseCommandArgs(command, argv) {
    try {
        const { values, positionals } = parseArgs({
            args: argv,
            options: { ...command.flags, help: { type: 'boolean', short: 'h' } },
            allowPositionals: true,
            strict: true,
        });
        return { values, positionals };
    }
    catch (e) {
        const message = e.message
            .replace(/\.? To specify a positional argument.*$/s, '')
            .replace(/\.$/, '');
        throw new UsageError(`${command.name}: ${message} (see 'resnet50 ${command.name} --help').`);
    }
}
export function stringFlag(values, name) {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
}
export function intFlag(values, name, fallback, min = 1) {
    const raw = stringFlag(values, name);
    if (raw === undefined)
        return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min)
        throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${raw}'.`);
    return v;
}
/** A finite number flag within `bounds`, or undefined when the flag is absent. */
export function numberFlag(values, name, bounds = {}) {
    const raw = stringFlag(values, name);
    if (raw === undefined)
        return undefined;
    const { min, above = false, max } = bounds;
    const v = Number(raw);
    const inside = (min === undefined || v > min || (!above && v === min)) && (max === undefined || v <= max);
    if (raw.trim() === '' || !Number.isFinite(v) || !inside) {
        const range = min !== undefined && max !== undefined
            ? ` between ${min} and ${max}`
            : min !== undefined
                ? ` ${above ? '>' : '≥'} ${min}`
                : '';
        throw new UsageError(`--${name} must be a number${range}, got '${raw}'.`);
    }
    return v;
}
export function choiceFlag(values, name, choices, fallback) {
    const raw = stringFlag(values, name);
    if (raw === undefined)
        return fallback;
    if (!choices.includes(raw)) {
        throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${raw}'.`);
    }
    return raw;
}
/** `224` or `HxW` (e.g. `231x257`). */
export function sizeFlag(values, name, fallback) {
    const raw = stringFlag(values, name);
    if (raw === undefined)
        return [fallback, fallback];
    const m = /^(\d+)(?:[x×](\d+))?$/.exec(raw);
    if (m === null)
        throw new UsageError(`--${name} must be a size like 224 or 231x257, got '${raw}'.`);
    return [Number(m[1]), Number(m[2] ?? m[1])];
}
export function requirePositionals(command, positionals, min, what) {
    if (positionals.length < min) {
        throw new UsageError(`${command}: missing ${what} (see 'resnet50 ${command} --help').`);
    }
}
//# sourceMappingURL=args.js.map