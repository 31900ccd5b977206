import { type Command } from './args.js';
export declare const classifyCommand: Command;
