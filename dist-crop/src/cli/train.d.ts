import { type Command } from './args.js';
/** `9m12s`, `1h05m`, `42s`. */
export declare function formatDuration(seconds: number): string;
export declare const trainCommand: Command;
