import { type Command } from './args.js';
export declare const camCommand: Command;
