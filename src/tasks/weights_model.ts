/**
 * A model shaped for a set of weights, from the tensors' names and shapes alone: the architecture
 * (given, recorded or recognized from the layers; a mismatch is one sentence), the class count and
 * the head from fc.weight, and the model card. No file system: Node's loaders (pretrained.ts) and the
 * browser's session both build their models here.
 */
import { OptionError, UserError } from '../errors.js';
import type { Preset } from '../data/transforms.js';
import {
  ARCHITECTURES,
  isArchName,
  resnet,
  type ArchName,
  type ResNet,
  type ResNetOptions,
} from '../model/resnet.js';
import {
  completeCard,
  shortcutOptions,
  type BlockShortcut,
  type ModelCard,
  type RecordedCard,
} from './model_card.js';

export function checkArch(arch: string): ArchName {
  if (!isArchName(arch)) {
    throw new OptionError(
      `Unknown arch '${arch}' ({arch}); choose one of ${Object.keys(ARCHITECTURES).join(', ')}.`,
    );
  }
  return arch;
}

/** The architecture whose state-dict keys these are (blocks per stage, basic or bottleneck), if any. */
export function guessArch(keys: Iterable<string>): ArchName | undefined {
  const blocks = [0, 0, 0, 0];
  let bottleneck = false;
  for (const key of keys) {
    const m = /^layer([1-4])\.(\d+)\.(conv\d)/.exec(key);
    if (m === null) continue;
    const stage = Number(m[1]) - 1;
    blocks[stage] = Math.max(blocks[stage], Number(m[2]) + 1);
    bottleneck ||= m[3] === 'conv3';
  }
  return (Object.keys(ARCHITECTURES) as ArchName[]).find((arch) => {
    const { block, layers } = ARCHITECTURES[arch];
    const padded = [...layers, 0, 0, 0, 0].slice(0, 4);
    return padded.join() === blocks.join() && (block.expansion === 4) === bottleneck;
  });
}

/** The one sentence for weights of another architecture than the one asked for. */
export function archMismatch(path: string, fileArch: ArchName, arch: ArchName): UserError {
  return new OptionError(
    `${path} holds ${fileArch} weights but the arch is ${arch}; pass {arch} ${fileArch}.`,
  );
}

/** Where weights come from, as far as shaping a model goes. */
export interface WeightsOrigin {
  /** The file or URL, for messages. */
  name: string;
  /** The architecture asked for or recorded; null when only the tensors can tell. */
  arch: ArchName | null;
  recorded: RecordedCard;
  /** The preprocessing when the weights record none. */
  preprocess: Preset;
}

export interface ShapedModel {
  model: ResNet;
  arch: ArchName;
  card: ModelCard;
}

/** A model (parameters not filled) shaped for tensors of these `shapes`, with its card. */
export function modelForWeights(
  shapes: ReadonlyMap<string, readonly number[]>,
  origin: WeightsOrigin,
  options: Omit<ResNetOptions, 'numClasses' | 'seed' | 'init'>,
  defaultNames: (numClasses: number) => readonly string[],
): ShapedModel {
  const fileArch = guessArch(shapes.keys());
  const arch = origin.arch ?? fileArch ?? 'resnet50';
  if (fileArch !== undefined && fileArch !== arch) throw archMismatch(origin.name, fileArch, arch);
  const fc = shapes.get('fc.weight');
  const numClasses = fc?.[0] ?? ARCHITECTURES[arch].numClasses;
  const projections = [...shapes.keys()].some((key) => key.endsWith('.downsample.0.weight'));
  const shortcut: BlockShortcut =
    origin.recorded.shortcut ??
    (options.residual === false ? 'none' : options.shortcut) ??
    (projections ? 'projection' : ARCHITECTURES[arch].shortcut);
  const model = resnet(arch, {
    ...options,
    ...shortcutOptions(shortcut),
    numClasses,
    includeTop: options.includeTop ?? fc !== undefined,
    init: 'none',
  });
  const card = completeCard(
    origin.recorded,
    { arch, shortcut, numClasses, preprocess: origin.preprocess },
    origin.name,
    defaultNames,
  );
  return { model, arch, card };
}
