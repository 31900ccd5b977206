/**
 * torchvision's `ImageFolder` layout: `root/<class>/.../<image>`, one sub-folder per class. Classes
 * are the sub-folder names sorted, their indices follow that order; files with an image extension
 * (.png .jpg .jpeg, any case) are collected recursively like `make_dataset` (directories sorted by
 * path, files by name).
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze(['.png', '.jpg', '.jpeg']);

export interface ImageFolderIndex {
  root: string;
  classes: string[];
  /** `[path, classIndex]` pairs, class by class. */
  samples: [string, number][];
}

/** Python's default string order (by code point). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) ?? 0) - (y[i].codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function isImageFile(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function isDir(parent: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(join(parent, entry.name)).isDirectory();
  } catch {
    return false;
  }
}

function isFile(parent: string, entry: Dirent): boolean {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(join(parent, entry.name)).isFile();
  } catch {
    return false;
  }
}

/** `os.walk(dir, followlinks=True)` flattened to `(directory, fileNames)` pairs. */
function walk(dir: string, out: [string, string[]][], seen: Set<string>): void {
  const real = statSync(dir);
  const key = `${real.dev}:${real.ino}`;
  if (seen.has(key)) return;
  seen.add(key);
  const entries = readdirSync(dir, { withFileTypes: true });
  out.push([dir, entries.filter((e) => isFile(dir, e)).map((e) => e.name)]);
  for (const e of entries) if (isDir(dir, e)) walk(join(dir, e.name), out, seen);
}

/**
 * The image files under a directory, recursively (symbolic links followed): directories sorted by
 * path, files by name within each, as `make_dataset` orders them.
 */
export function listImageFiles(dir: string): string[] {
  const dirs: [string, string[]][] = [];
  walk(dir, dirs, new Set());
  dirs.sort((a, b) => byCodePoint(a[0], b[0]));
  return dirs.flatMap(([parent, files]) =>
    files
      .filter(isImageFile)
      .sort(byCodePoint)
      .map((f) => join(parent, f)),
  );
}

/** Lists classes and samples of an ImageFolder tree. */
export function scanImageFolder(root: string): ImageFolderIndex {
  let entries: Dirent[];
  try {
    if (!statSync(root).isDirectory())
      throw new UserError(`${root}: is not a directory (expected one folder per class).`);
    entries = readdirSync(root, { withFileTypes: true });
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${root}: image folder not found.`);
    throw new UserError(`${root}: cannot read directory (${(err as Error).message}).`);
  }
  const classes = entries
    .filter((e) => isDir(root, e))
    .map((e) => e.name)
    .sort(byCodePoint);
  if (classes.length === 0) {
    throw new UserError(`${root}: no class sub-folders found (expected one folder of images per class).`);
  }
  const samples: [string, number][] = [];
  const empty: string[] = [];
  classes.forEach((name, classIndex) => {
    const files = listImageFiles(join(root, name));
    for (const file of files) samples.push([file, classIndex]);
    if (files.length === 0) empty.push(name);
  });
  if (empty.length > 0) {
    throw new UserError(
      `${root}: no .png/.jpg/.jpeg images in class folder${empty.length > 1 ? 's' : ''} ${empty.join(', ')}.`,
    );
  }
  return { root, classes, samples };
}
