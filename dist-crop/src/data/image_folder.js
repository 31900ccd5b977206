/**
 * torchvision's `ImageFolder` layout: `root/<class>/.../<image>`, one sub-folder per class. Classes
 * are the sub-folder names sorted, their indices follow that order; files with an image extension
 * (.png .jpg .jpeg, any case) are collected recursively like `make_dataset` (directories sorted by
 * path, files by name).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
export const IMAGE_EXTENSIONS = Object.freeze(['.png', '.jpg', '.jpeg']);
/** Python's default string order (by code point). */
function byCodePoint(a, b) {
    const x = Array.from(a);
    const y = Array.from(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const d = (x[i].codePointAt(0) ?? 0) - (y[i].codePointAt(0) ?? 0);
        if (d !== 0)
            return d;
    }
    return x.length - y.length;
}
function isImageFile(name) {
    const lower = name.toLowerCase();
    return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}
function isDir(parent, entry) {
    if (entry.isDirectory())
        return true;
    if (!entry.isSymbolicLink())
        return false;
    try {
        return statSync(join(parent, entry.name)).isDirectory();
    }
    catch {
        return false;
    }
}
function isFile(parent, entry) {
    if (entry.isFile())
        return true;
    if (!entry.isSymbolicLink())
        return false;
    try {
        return statSync(join(parent, entry.name)).isFile();
    }
    catch {
        return false;
    }
}
/** `os.walk(dir, followlinks=True)` flattened to `(directory, fileNames)` pairs. */
function walk(dir, out, seen) {
    const real = statSync(dir);
    const key = `${real.dev}:${real.ino}`;
    if (seen.has(key))
        return;
    seen.add(key);
    const entries = readdirSync(dir, { withFileTypes: true });
    out.push([dir, entries.filter((e) => isFile(dir, e)).map((e) => e.name)]);
    for (const e of entries)
        if (isDir(dir, e))
            walk(join(dir, e.name), out, seen);
}
/** Lists classes and samples of an ImageFolder tree. */
export function scanImageFolder(root) {
    let entries;
    try {
        if (!statSync(root).isDirectory())
            throw new UserError(`${root}: is not a directory (expected one folder per class).`);
        entries = readdirSync(root, { withFileTypes: true });
    }
    catch (err) {
        if (err instanceof UserError)
            throw err;
        const code = err.code;
        if (code === 'ENOENT')
            throw new UserError(`${root}: image folder not found.`);
        throw new UserError(`${root}: cannot read directory (${err.message}).`);
    }
    const classes = entries
        .filter((e) => isDir(root, e))
        .map((e) => e.name)
        .sort(byCodePoint);
    if (classes.length === 0) {
        throw new UserError(`${root}: no class sub-folders found (expected one folder of images per class).`);
    }
    const samples = [];
    const empty = [];
    classes.forEach((name, classIndex) => {
        const dirs = [];
        walk(join(root, name), dirs, new Set());
        dirs.sort((a, b) => byCodePoint(a[0], b[0]));
        const before = samples.length;
        for (const [dir, files] of dirs) {
            for (const file of files.filter(isImageFile).sort(byCodePoint))
                samples.push([join(dir, file), classIndex]);
        }
        if (samples.length === before)
            empty.push(name);
    });
    if (empty.length > 0) {
        throw new UserError(`${root}: no .png/.jpg/.jpeg images in class folder${empty.length > 1 ? 's' : ''} ${empty.join(', ')}.`);
    }
    return { root, classes, samples };
}
//# sourceMappingURL=image_folder.js.map