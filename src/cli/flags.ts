/**
 * Library option names → CLI flags. Library errors name options (see OptionError); the CLI prints
 * them with the flag that sets each option.
 */
/** Option names whose flag is not their kebab-case spelling. */
const FLAG_OF_OPTION: Readonly<Record<string, string>> = {
  classIndex: 'class',
  allowNonFinite: 'allow-nonfinite',
  weightsPath: 'weights',
};

/** The flag that sets a library option: `top` → `--top`, `maxBatch` → `--max-batch`. */
export function flagOf(option: string): string {
  return `--${FLAG_OF_OPTION[option] ?? option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
