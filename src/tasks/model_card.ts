/**
 * The model card: what a set of weights is — architecture, class count and names, and the
 * preprocessing it was trained and evaluated with. `resnet50 train` records it in the safetensors
 * `__metadata__` of final.safetensors (strings, as safetensors wants):
 *
 *   arch        resnet18 … resnet152, resnet20 … resnet110
 *   shortcut    projection, zero-pad or none (the plain twin: no skip connections). The plain twin
 *               and option A have the same keys, so only the card tells them apart.
 *   classes     JSON array of the class names, in the order of the head's outputs
 *   preprocess  JSON preset, e.g. Fashion-MNIST at 32×32:
 *               {"resize":[32,32],"crop":null,"mean":[0.286,…],"std":[0.353,…],"grayscale":true}
 *
 * The loaders (pretrained.ts) read it back and complete what a file does not record: the class count
 * from fc.weight, the shortcut from the keys (projection weights, else the architecture's default),
 * ImageNet's names for 1000 classes, the registry's preset for torchvision's weights.
 */
import { FileFormatError } from '../errors.js';
import type { Preset } from '../data/transforms.js';
import {
  ARCHITECTURES,
  isArchName,
  type ArchName,
  type ResNetOptions,
  type ShortcutKind,
} from '../model/resnet.js';

/** How a model's blocks join the shortcut: a ShortcutKind, or 'none' in the plain twin. */
export type BlockShortcut = ShortcutKind | 'none';
export const BLOCK_SHORTCUTS: readonly BlockShortcut[] = ['projection', 'zero-pad', 'none'];

/** The ResNet options that build blocks with `shortcut`. */
export function shortcutOptions(
  shortcut: BlockShortcut,
): Required<Pick<ResNetOptions, 'residual'>> & Pick<ResNetOptions, 'shortcut'> {
  return shortcut === 'none' ? { residual: false } : { residual: true, shortcut };
}

/** The card's word for the blocks of a model built with `options`. */
export function blockShortcut(
  options: Required<Pick<ResNetOptions, 'residual' | 'shortcut'>>,
): BlockShortcut {
  return options.residual ? options.shortcut : 'none';
}

export interface ModelCard {
  arch: ArchName;
  /** The blocks' shortcut (what the state-dict keys cannot always tell). */
  shortcut: BlockShortcut;
  numClasses: number;
  /** One name per output of the head. */
  classNames: readonly string[];
  /** What to apply to an image before the network (data/transforms `preprocess`). */
  preprocess: Preset;
}

/** The part of a card a weights file records in its metadata (all of it for a model trained here). */
export type RecordedCard = Partial<Pick<ModelCard, 'arch' | 'shortcut' | 'classNames' | 'preprocess'>>;

/** The metadata entries that record a card. */
export function modelCardMetadata(card: ModelCard): Record<string, string> {
  if (card.classNames.length !== card.numClasses) {
    throw new FileFormatError(
      `A model card names ${card.classNames.length} classes for a head of ${card.numClasses}.`,
    );
  }
  const { resize, crop, mean, std, grayscale } = card.preprocess;
  return {
    arch: card.arch,
    shortcut: card.shortcut,
    classes: JSON.stringify(card.classNames),
    preprocess: JSON.stringify({ resize, crop, mean, std, grayscale }),
  };
}

function parseJson(path: string, key: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FileFormatError(`${path}: metadata '${key}' is not valid JSON.`);
  }
}

const isSize = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

function isTriple(v: unknown, positive: boolean): v is [number, number, number] {
  return (
    Array.isArray(v) &&
    v.length === 3 &&
    v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))
  );
}

function parsePreset(path: string, text: string): Preset {
  const p = parseJson(path, 'preprocess', text) as Record<string, unknown> | null;
  const resize = p?.resize;
  const ok =
    typeof p === 'object' &&
    p !== null &&
    (resize === null ||
      isSize(resize) ||
      (Array.isArray(resize) && resize.length === 2 && resize.every(isSize))) &&
    (p.crop === null || isSize(p.crop)) &&
    isTriple(p.mean, false) &&
    isTriple(p.std, true) &&
    typeof p.grayscale === 'boolean';
  if (!ok) {
    throw new FileFormatError(
      `${path}: metadata 'preprocess' is not a preset ({"resize","crop","mean","std","grayscale"}).`,
    );
  }
  return p as unknown as Preset;
}

/** Reads the card entries of a safetensors `__metadata__`; `path` names the file in errors. */
export function parseRecordedCard(metadata: Record<string, string>, path: string): RecordedCard {
  const card: RecordedCard = {};
  if (metadata.arch !== undefined) {
    if (!isArchName(metadata.arch)) {
      throw new FileFormatError(
        `${path}: metadata 'arch' is '${metadata.arch}', not one of ${Object.keys(ARCHITECTURES).join(', ')}.`,
      );
    }
    card.arch = metadata.arch;
  }
  if (metadata.shortcut !== undefined) {
    const shortcut = BLOCK_SHORTCUTS.find((s) => s === metadata.shortcut);
    if (shortcut === undefined) {
      throw new FileFormatError(
        `${path}: metadata 'shortcut' is '${metadata.shortcut}', not one of ${BLOCK_SHORTCUTS.join(', ')}.`,
      );
    }
    card.shortcut = shortcut;
  }
  if (metadata.classes !== undefined) {
    const names = parseJson(path, 'classes', metadata.classes);
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
      throw new FileFormatError(`${path}: metadata 'classes' is not a list of names.`);
    }
    card.classNames = names;
  }
  if (metadata.preprocess !== undefined) card.preprocess = parsePreset(path, metadata.preprocess);
  return card;
}

/**
 * The card of weights loaded from `path`: what the file records, completed with the head's class
 * count, `defaultNames` (labels.ts's labelsFor in Node) and `preprocess` when the file records none.
 */
export function completeCard(
  recorded: RecordedCard,
  known: { arch: ArchName; shortcut: BlockShortcut; numClasses: number; preprocess: Preset },
  path: string,
  defaultNames: (numClasses: number) => readonly string[],
): ModelCard {
  const names = recorded.classNames;
  if (names !== undefined && names.length !== known.numClasses) {
    throw new FileFormatError(
      `${path}: metadata 'classes' names ${names.length} classes but fc.weight has ${known.numClasses}.`,
    );
  }
  return {
    arch: known.arch,
    shortcut: recorded.shortcut ?? known.shortcut,
    numClasses: known.numClasses,
    classNames: names ?? defaultNames(known.numClasses),
    preprocess: recorded.preprocess ?? known.preprocess,
  };
}
