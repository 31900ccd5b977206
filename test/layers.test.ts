/**
 * The import layers of docs/ARCHITECTURE.md: a file in src/ may import its own folder and strictly
 * lower layers (node: builtins and npm packages are free). Every `import … from`, `export … from`,
 * `import('…')` and worker module `new URL('./x.js', import.meta.url)` with a string literal is
 * resolved and checked; a file whose folder has no layer fails too. There are no exceptions.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { REPO } from './helpers/cli.js';

/** Lowest first. A unit is a folder under src/ (`tensor`) or a file at its root (`errors.ts`). */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts'],
  ['limits.ts', 'tensor', 'runtime'],
  ['plan'],
  ['io'],
  ['data'],
  ['backends'],
  ['ops'],
  ['nn', 'detection'],
  ['model'],
  ['viz'],
  ['tasks'],
  ['train', 'browser', 'serve'],
  ['cli'],
  ['index.ts', 'browser.ts'],
];

/** Arrows that break the layers today; each must still occur (remove it when it is gone). */

const SRC = join(REPO, 'src');

function sourceFiles(): string[] {
  return readdirSync(SRC, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** `src/…` with forward slashes, for messages. */
const shown = (path: string): string => relative(REPO, path).split(sep).join('/');

/** The unit of a file under src/: its first folder, or its own name at the root. */
const unitOf = (path: string): string => relative(SRC, path).split(sep)[0]!;

function layerOf(path: string): number | undefined {
  const unit = unitOf(path);
  const layer = LAYERS.findIndex((units) => units.includes(unit));
  return layer < 0 ? undefined : layer;
}

const isImportMetaUrl = (n: ts.Node): boolean =>
  ts.isPropertyAccessExpression(n) && ts.isMetaProperty(n.expression) && n.name.text === 'url';

/** The string-literal module specifiers of TypeScript source, including worker modules named by URL. */
function specifiersOf(text: string): string[] {
  const source = ts.createSourceFile('file.ts', text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (
      (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) &&
      n.moduleSpecifier !== undefined &&
      ts.isStringLiteral(n.moduleSpecifier)
    ) {
      found.push(n.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] !== undefined &&
      ts.isStringLiteralLike(n.arguments[0])
    ) {
      found.push(n.arguments[0].text);
    } else if (
      ts.isNewExpression(n) &&
      ts.isIdentifier(n.expression) &&
      n.expression.text === 'URL' &&
      n.arguments?.length === 2 &&
      ts.isStringLiteralLike(n.arguments[0]!) &&
      isImportMetaUrl(n.arguments[1]!) &&
      n.arguments[0].text.endsWith('.js')
    ) {
      found.push(n.arguments[0].text);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}

const specifiers = (path: string): string[] => specifiersOf(readFileSync(path, 'utf8'));

/** The .ts file under src/ a relative specifier names, or null for one outside src/. */
function resolveSpecifier(from: string, specifier: string): string | null {
  const target = resolve(dirname(from), specifier).replace(/\.js$/, '.ts');
  return relative(SRC, target).startsWith('..') ? null : target;
}

interface Check {
  arrows: string[];
  unplaced: string[];
  unresolved: string[];
}

function checkLayers(): Check {
  const check: Check = { arrows: [], unplaced: [], unresolved: [] };
  for (const file of sourceFiles()) {
    const from = layerOf(file);
    if (from === undefined) {
      check.unplaced.push(shown(file));
      continue;
    }
    for (const specifier of specifiers(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = resolveSpecifier(file, specifier);
      if (target === null) continue;
      if (!existsSync(target)) {
        check.unresolved.push(`${shown(file)} -> ${specifier}`);
        continue;
      }
      const to = layerOf(target);
      if (to === undefined || unitOf(target) === unitOf(file) || to < from) continue;
      check.arrows.push(`${shown(file)} -> ${shown(target)} (layer ${from} imports layer ${to})`);
    }
  }
  return check;
}

test('every file in src/ belongs to a layer and imports only its own folder and lower layers', () => {
  const { arrows, unplaced, unresolved } = checkLayers();
  const problems = [
    ...unplaced.map((file) => `${file}: its folder has no layer (add it to LAYERS)`),
    ...unresolved.map((arrow) => `${arrow}: no such file`),
    ...arrows,
  ];
  assert.deepEqual(
    problems,
    [],
    `imports against the layers of docs/ARCHITECTURE.md:\n${problems.join('\n')}`,
  );
});

test('the layer check sees every kind of import, and not the words of comments and strings', () => {
  const text = [
    "import { a } from '../model/a.js';",
    "import type { B } from '../nn/b.js';",
    "export { c } from './c.js';",
    "export * as d from '../ops/index.js';",
    "const e = await import('../train/e.js');",
    "const w = new Worker(new URL('./entry.js', import.meta.url));",
    "const labels = new URL('../../labels/coco.json', import.meta.url);",
    "import { readFileSync } from 'node:fs';",
    "// import { f } from '../tasks/f.js';",
    "/** `await import('../cli/g.js')` */",
    'const h = "import { h } from \'../viz/h.js\'";',
  ].join('\n');
  assert.deepEqual(specifiersOf(text), [
    '../model/a.js',
    '../nn/b.js',
    './c.js',
    '../ops/index.js',
    '../train/e.js',
    './entry.js',
    'node:fs',
  ]);
  const found = sourceFiles().flatMap((file) => specifiers(file).map((s) => `${shown(file)} ${s}`));
  assert.ok(found.includes('src/train/trainer.ts ./train_job.js'), 'the worker module of train() is seen');
  assert.ok(found.length > 300, `only ${found.length} imports found in src/`);
});
