/**
 * A clone works on its own: no source or test file reads a path outside the repository (the
 * project's shared folder beside the clone exists only on the developers' machines), and every
 * fixture the tests name is committed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { FASHION_MNIST, IMAGES, REPO } from './helpers/cli.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mjs|js)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

test('src/ and test/ name no path outside the repository', () => {
  const outside = /\.\.\/shared|\/shared\/(images|datasets|labels)/;
  const offenders = [...sources(join(REPO, 'src')), ...sources(join(REPO, 'test'))]
    .filter((f) => !f.includes(join('test', 'fixtures')) && !f.endsWith('repo_only.test.ts'))
    .filter((f) => outside.test(readFileSync(f, 'utf8')))
    .map((f) => relative(REPO, f));
  assert.deepEqual(offenders, []);
});

test('the photos and the Fashion-MNIST slice are in the repository', () => {
  assert.deepEqual(readdirSync(IMAGES).sort(), [
    'astronaut.png',
    'camera.png',
    'chelsea.png',
    'coffee.png',
    'rocket.jpg',
    'truncated.jpg',
  ]);
  assert.deepEqual(readdirSync(FASHION_MNIST).sort(), [
    't10k-images-idx3-ubyte.gz',
    't10k-labels-idx1-ubyte.gz',
    'train-images-idx3-ubyte.gz',
    'train-labels-idx1-ubyte.gz',
  ]);
});
