import { UserError } from '../errors.js';
export type FlagSpec = Record<string, {
    type: 'string' | 'boolean';
    short?: string;
    multiple?: boolean;
}>;
export interface Command {
    name: string;
    summary: string;
    /** Full --help text. */
    help: string;
    flags: FlagSpec;
    run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<void>;
}
/** A usage mistake: printed with a pointer to --help, exit code 2. */
export declare class UsageError extends UserError {
    readonly name = "UsageError";
}
export declare function parseCommandArgs(command: Command, argv: string[]): {
    values: Record<string, string | boolean | string[] | undefined>;
    positionals: string[];
};
export declare function stringFlag(values: Record<string, unknown>, name: string): string | undefined;
export declare function intFlag(values: Record<string, unknown>, name: string, fallback: number, min?: number): number;
/** Bounds of a number flag: `min` inclusive (exclusive when `above`), `max` inclusive. */
export interface NumberBounds {
    min?: number;
    above?: boolean;
    max?: number;
}
/** A finite number flag within `bounds`, or undefined when the flag is absent. */
export declare function numberFlag(values: Record<string, unknown>, name: string, bounds?: NumberBounds): number | undefined;
export declare function choiceFlag<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[], fallback: T): T;
/** `224` or `HxW` (e.g. `231x257`). */
export declare function sizeFlag(values: Record<string, unknown>, name: string, fallback: number): [number, number];
export declare function requirePositionals(command: string, positionals: string[], min: number, what: string): void;
