/**
 * Library option names → CLI flags. Library errors name options (see OptionError); the CLI prints
 * them with the flag that sets each option.
 */
import { renderOptionTemplate, type UserError } from '../errors.js';

/** Option names whose flag is not their kebab-case spelling. */
const FLAG_OF_OPTION: Readonly<Record<string, string>> = {
  classIndex: 'class',
  topK: 'top',
  allowNonFinite: 'allow-nonfinite',
  weightsPath: 'weights',
};

/** The flag that sets a library option: `top` → `--top`, `maxBatch` → `--max-batch`. */
export function flagOf(option: string): string {
  return `--${FLAG_OF_OPTION[option] ?? option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A user error's sentence as the CLI prints it: the options it names spelled as their flags. */
export function flagSentence(e: UserError): string {
  return e.template === undefined ? e.message : renderOptionTemplate(e.template, flagOf);
}
