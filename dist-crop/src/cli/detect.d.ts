import { type Command } from './args.js';
export declare const detectCommand: Command;
