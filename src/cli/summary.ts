/** `resnet50 summary`: per-layer table (torchvision names, output shapes, params, MACs) and totals. */
import { ARCHITECTURES, resnet, MIN_INPUT_SIZE } from '../model/resnet.js';
import { BLOCK_SHORTCUTS, shortcutOptions } from '../tasks/model_card.js';
import { summarize } from '../model/summary.js';
import { checkArch } from '../tasks/pretrained.js';
import { ShapeError } from '../errors.js';
import { choiceFlag, intFlag, sizeFlag, stringFlag, type Command } from './args.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

export const summaryCommand: Command = {
  name: 'summary',
  summary: 'per-layer table of a ResNet: output shapes, parameters, MACs',
  help: `Usage: resnet50 summary [--arch resnet50] [--shortcut S] [--input 224|HxW] [--classes N] [--json]

Prints every layer with its torchvision module name, type, output shape [C,H,W], parameters and
multiply-accumulates for one image, then the totals.

  --arch A       resnet18, resnet34, resnet50 (default), resnet101, resnet152 (ImageNet's);
                 resnet20, resnet32, resnet44, resnet56, resnet110 (CIFAR's)
  --shortcut S   projection, zero-pad or none (the plain twin); default the arch's (projection for
                 ImageNet's, zero-pad for CIFAR's)
  --input S      input size: 224 (default; 32 for CIFAR's archs) or HxW such as 231x257; at least ${MIN_INPUT_SIZE}
  --classes N    classes of the fc head (default 1000; 10 for CIFAR's archs)
  --json         {"arch","input","layers":[{"name","type","output","params","macs"}],
                  "totalParams","totalMacs","weightedLayers"}`,
  flags: {
    arch: { type: 'string' },
    shortcut: { type: 'string' },
    input: { type: 'string' },
    classes: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const arch = checkArch(stringFlag(values, 'arch') ?? 'resnet50');
    const spec = ARCHITECTURES[arch];
    const [height, width] = sizeFlag(values, 'input', spec.stem === 'cifar' ? 32 : 224);
    if (height < MIN_INPUT_SIZE || width < MIN_INPUT_SIZE) {
      throw new ShapeError(
        `--input ${height}x${width} is smaller than the ${MIN_INPUT_SIZE}×${MIN_INPUT_SIZE} minimum of ResNet.`,
      );
    }
    const shortcut = choiceFlag(values, 'shortcut', BLOCK_SHORTCUTS, spec.shortcut);
    const model = resnet(arch, {
      numClasses: intFlag(values, 'classes', spec.numClasses),
      ...shortcutOptions(shortcut),
    });
    const s = summarize(model, arch, height, width);
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(s)}\n`);
      return;
    }
    const rows = s.layers.map((l) => [
      l.name,
      l.type,
      `[${l.output.join(', ')}]`,
      fmt(l.params),
      fmt(l.macs),
    ]);
    const header = ['layer', 'type', 'output', 'params', 'MACs'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]): string =>
      r.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
    const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
    out.push(
      '',
      `${arch}${shortcut === spec.shortcut ? '' : ` (shortcut ${shortcut})`} at ${height}×${width}: ${fmt(s.totalParams)} parameters (${(s.totalParams / 1e6).toFixed(2)}M), ${(s.totalMacs / 1e9).toFixed(2)} GMACs, ${s.weightedLayers} weighted layers`,
    );
    process.stdout.write(`${out.join('\n')}\n`);
  },
};
