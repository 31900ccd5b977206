/**
 * Hostile numbers, tampered checkpoints and broken data reach the user as one sentence (never a
 * stack trace, an abort or a lost epoch), and leave no half-written run behind.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSafetensors, readSafetensorsMetadata } from '../src/io/weights/safetensors.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { FASHION_MNIST, IMAGES, runCli, type CliResult } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';
import { NATIVE_SKIP } from './helpers/native.js';

const tmp = tempDirs('resnet50-hardening-');

/** Exit code `code` and exactly one `resnet50: ` line on stderr, which is returned; no stack lines. */
function oneSentence(r: CliResult, code: number): string {
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('resnet50: '));
  assert.equal(r.status, code, `exit ${r.status}, stderr:\n${r.stderr}`);
  assert.equal(lines.length, 1, `expected one 'resnet50: ' line, stderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `stack trace in stderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error|terminate called|Error:/, r.stderr);
  return lines[0];
}

const TINY = ['--arch', 'resnet18', '--input-size', '32', '--batch', '2', '--workers', '0'];
const IDX = [`--data`, `idx:${FASHION_MNIST}`, '--train-samples', '4', '--eval-samples', '2'];

/** A finished one-step run in a fresh directory: its last.safetensors is the checkpoint to tamper with. */
function tinyRun(): string {
  const out = join(tmp(), 'run');
  const r = runCli(['train', ...IDX, ...TINY, '--steps-per-epoch', '1', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  return join(out, 'last.safetensors');
}

let checkpoint: string | null = null;
const baseCheckpoint = (): string => (checkpoint ??= tinyRun());

/** A run directory holding a copy of the base checkpoint changed by `edit`. */
function tamperedRun(edit: (tensors: Map<string, Tensor>, meta: Record<string, string>) => void): string {
  const source = baseCheckpoint();
  const tensors = readSafetensors(source);
  const meta = readSafetensorsMetadata(source);
  edit(tensors, meta);
  const out = join(tmp(), 'run');
  mkdirSync(out);
  saveWeightsFile(join(out, 'last.safetensors'), tensors, meta);
  return out;
}

test('numbers the machine cannot hold are refused naming the flag', () => {
  const scratch = tmp();
  const cases: [string[], RegExp][] = [
    [
      ['bench', '--arch', 'resnet18', '--batch', '1e9'],
      /^resnet50: --batch 1000000000 at --input 224×224 needs about .* GB .*memory/,
    ],
    [['summary', '--input', '100000'], /^resnet50: --input must be an integer between 1 and 4096/],
    [['bench', '--input', '100000'], /^resnet50: --input must be an integer between 1 and 4096/],
    [
      ['cam', '--weights', 'IMAGENET1K_V1', '--size', '100000', join(IMAGES, 'camera.png')],
      /^resnet50: --size must be an integer between 32 and 4096/,
    ],
    [
      ['bench', '--arch', 'resnet18', '--threads', '100000'],
      /^resnet50: --threads must be an integer between 1 and \d+ \(4 × the \d+ cores/,
    ],
    [
      ['bench', '--arch', 'resnet18', '--threads', '1000'],
      /^resnet50: --threads must be an integer between 1 and \d+/,
    ],
    [
      ['train', ...IDX, '--workers', '1000', '--out', join(scratch, 'w')],
      /^resnet50: --workers must be an integer between 0 and 64/,
    ],
    [
      ['eval', '--weights', 'x.safetensors', '--data', 'd', '--workers', '1000'],
      /^resnet50: --workers must be an integer between 0 and 64/,
    ],
    [
      ['train', ...IDX, '--batch', '100000', '--input-size', '512', '--out', join(scratch, 'm')],
      /^resnet50: --batch 100000 at --input-size 512×512 needs about/,
    ],
  ];
  for (const [args, expected] of cases) assert.match(oneSentence(runCli(args), 2), expected, args.join(' '));
  const env = runCli(['bench', '--arch', 'resnet18', '--iters', '1', '--warmup', '0'], {
    RESNET50_THREADS: '100000',
  });
  if (!NATIVE_SKIP) {
    assert.match(oneSentence(env, 1), /^resnet50: \$RESNET50_THREADS must be an integer between 1 and \d+/);
  }
  assert.deepEqual(readdirSync(scratch), [], 'the refused train runs wrote nothing');
});

test('tampered checkpoints are refused on --resume naming the file and the key', () => {
  const cases: [string, Parameters<typeof tamperedRun>[0], RegExp][] = [
    [
      'optimizer metadata of the wrong types',
      (_t, meta) => {
        meta.optimizer = JSON.stringify({
          type: 'SGD',
          paramGroups: [{ params: 5, hyper: {} }],
          scalars: {},
        });
      },
      /last\.safetensors: checkpoint metadata 'optimizer' is malformed\.$/,
    ],
    [
      'epochProgress that is not a count',
      (_t, meta) => {
        meta.epochProgress = JSON.stringify({
          steps: 'x',
          lossSum: 1,
          correct: 0,
          seen: 2,
          trainSeconds: 1,
          seconds: 1,
        });
      },
      /last\.safetensors: checkpoint metadata 'epochProgress' is malformed\.$/,
    ],
    [
      'a step count that does not match the epochs',
      (_t, meta) => {
        meta.step = '7';
      },
      /last\.safetensors: checkpoint metadata 'step' 7 does not match epoch 1 of 1 steps and 0 more\.$/,
    ],
    [
      'metadata that is not JSON',
      (_t, meta) => {
        meta.options = '{"workers": ';
      },
      /last\.safetensors: checkpoint metadata 'options' is not valid JSON\.$/,
    ],
    [
      'saved workers 5000',
      (_t, meta) => {
        meta.options = JSON.stringify({ ...JSON.parse(meta.options), workers: 5000 });
      },
      /last\.safetensors: checkpoint metadata 'options' is refused: workers must be an integer between 0 and 64 .*got 5000\.$/,
    ],
    [
      'NaN weights',
      (tensors) => {
        (tensors.get('fc.weight') as Tensor).data[3] = NaN;
      },
      /last\.safetensors: tensor 'fc\.weight' is not finite \(NaN at element 3\)/,
    ],
    [
      'no optimizer state',
      (tensors) => {
        for (const key of [...tensors.keys()]) if (key.startsWith('optimizer.')) tensors.delete(key);
      },
      /last\.safetensors: the optimizer state of conv1\.weight has no 'momentumBuffer' after 1 steps/,
    ],
  ];
  for (const [what, edit, expected] of cases) {
    const out = tamperedRun(edit);
    const before = readdirSync(out).sort();
    const line = oneSentence(runCli(['train', '--out', out, '--resume', '--epochs', '2']), 1);
    assert.match(line, expected, what);
    assert.deepEqual(readdirSync(out).sort(), before, `${what}: the run directory changed`);
  }
  // With --workers given anew, the saved 5000 is not used and the run continues.
  const out = tamperedRun((_t, meta) => {
    meta.options = JSON.stringify({ ...JSON.parse(meta.options), workers: 5000 });
  });
  const r = runCli(['train', '--out', out, '--resume', '--epochs', '2', '--workers', '0']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2);
});

/** An ImageFolder with train/ and val/, two classes of two photos each; `bad` adds a text file named like a PNG. */
function imageFolder(bad: 'train' | 'val'): string {
  const root = tmp();
  const photos = ['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png'];
  for (const split of ['train', 'val']) {
    for (const [c, cls] of ['a', 'b'].entries()) {
      mkdirSync(join(root, split, cls), { recursive: true });
      for (const photo of photos.slice(2 * c, 2 * c + 2))
        copyFileSync(join(IMAGES, photo), join(root, split, cls, photo));
    }
  }
  writeFileSync(join(root, bad, 'a', 'aaa.png'), 'not an image\n');
  return root;
}

test(
  'a corrupt image in the evaluation split (native, loader workers) names the file and keeps the epoch',
  { skip: NATIVE_SKIP },
  () => {
    const data = imageFolder('val');
    const out = join(tmp(), 'run');
    const args = [
      'train',
      '--data',
      data,
      ...TINY,
      '--backend',
      'native',
      '--workers',
      '2',
      '--shuffle',
      'false',
      '--out',
      out,
    ];
    const line = oneSentence(runCli(args), 1);
    const bad = join(data, 'val', 'a', 'aaa.png');
    assert.equal(
      line,
      `resnet50: ${bad}: not a PNG or JPEG image (starts with "not an i") (evaluating epoch 1; its training is saved in ${join(out, 'last.safetensors')}: fix the data and resume).`,
    );
    assert.deepEqual(readdirSync(out).sort(), ['last.safetensors', 'metrics.jsonl', 'steps.jsonl']);
    assert.equal(readFileSync(join(out, 'steps.jsonl'), 'utf8').trim().split('\n').length, 2);
    assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8'), '');
  },
);

test('a train that fails on its data leaves no run directory', () => {
  const data = imageFolder('train');
  const out = join(tmp(), 'run');
  const line = oneSentence(runCli(['train', '--data', data, ...TINY, '--shuffle', 'false', '--out', out]), 1);
  assert.match(line, /aaa\.png: not a PNG or JPEG image/);
  assert.equal(existsSync(out), false);
  // In an existing directory, only what the run wrote is removed.
  mkdirSync(out);
  writeFileSync(join(out, 'notes.txt'), 'mine\n');
  oneSentence(runCli(['train', '--data', data, ...TINY, '--shuffle', 'false', '--out', out]), 1);
  assert.deepEqual(readdirSync(out), ['notes.txt']);
});

test('resume removes the temp files of a killed write, and only those', () => {
  const out = join(tmp(), 'run');
  mkdirSync(out);
  copyFileSync(baseCheckpoint(), join(out, 'last.safetensors'));
  // pid 99999999 is above any Linux pid_max: a process that is gone.
  const stale = '.last.safetensors.99999999.0badc0de.tmp';
  writeFileSync(join(out, stale), 'half a checkpoint');
  writeFileSync(join(out, '.notes.tmp'), 'not ours');
  const r = runCli(['train', '--out', out, '--resume', '--epochs', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`note: removed 1 unfinished write of a killed run: ${stale.replace(/\./g, '\\.')}\\.`),
  );
  assert.equal(existsSync(join(out, stale)), false);
  assert.equal(existsSync(join(out, '.notes.tmp')), true);
});

test('a run killed in its first epoch starts again, with or without --resume', () => {
  const out = join(tmp(), 'run');
  const command = ['train', ...IDX, ...TINY, '--steps-per-epoch', '1', '--out', out];
  // What SIGKILL during the first epoch leaves: the step lines, no checkpoint.
  mkdirSync(out);
  writeFileSync(join(out, 'steps.jsonl'), '{"epoch":1,"step":1,"loss":2.3,"acc":0,"lr":0.1}\n');
  writeFileSync(join(out, 'metrics.jsonl'), '');
  const line = oneSentence(runCli(['train', '--out', out, '--resume']), 2);
  assert.equal(
    line,
    `resnet50: no checkpoint yet in ${out} (the run stopped before its first save); start it again with its --data and flags (with or without --resume).`,
  );
  const resumed = runCli([...command, '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`note: no checkpoint yet in ${out}; starting from scratch\\.`));
  assert.equal(readFileSync(join(out, 'steps.jsonl'), 'utf8').trim().split('\n').length, 1);
  assert.ok(existsSync(join(out, 'final.safetensors')));
  // The same command without --resume on a killed first epoch works too.
  const again = join(tmp(), 'run');
  mkdirSync(again);
  writeFileSync(join(again, 'steps.jsonl'), '{"epoch":1,"step":1,"loss":2.3,"acc":0,"lr":0.1}\n');
  const r = runCli(command.map((a) => (a === out ? again : a)));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(again, 'final.safetensors')));
});
