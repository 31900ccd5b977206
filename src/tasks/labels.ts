/** Class-name lists: the bundled ImageNet-1k names, or a user file (JSON array or one name per line). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileFormatError } from '../errors.js';

const bundled = (name: string): string => fileURLToPath(new URL(`../../../labels/${name}`, import.meta.url));

let imagenet: string[] | null = null;

/** The 1000 ImageNet class names in torchvision's order. */
export function imagenetLabels(): string[] {
  imagenet ??= readLabelsFile(bundled('imagenet-1k.json'));
  return imagenet;
}

export function readLabelsFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FileFormatError(
      `${path}: cannot read labels (${(e as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
  if (text.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new FileFormatError(`${path}: labels file is not valid JSON.`);
    }
    if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
      throw new FileFormatError(`${path}: labels JSON must be an array of strings.`);
    }
    return parsed;
  }
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}

/** Labels for a head of `numClasses`: the given list (checked), ImageNet for 1000, else `class N`. */
export function labelsFor(
  numClasses: number,
  labels?: readonly string[],
  source = 'labels',
): readonly string[] {
  if (labels !== undefined) {
    if (labels.length !== numClasses) {
      throw new FileFormatError(
        `${source}: has ${labels.length} labels but the model has ${numClasses} classes.`,
      );
    }
    return labels;
  }
  if (numClasses === 1000) return imagenetLabels();
  return Array.from({ length: numClasses }, (_, i) => `class ${i}`);
}
