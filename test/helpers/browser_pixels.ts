/**
 * Runs in Chromium (test/web.test.ts through runInChromium): the photos served next to this module
 * decoded two ways, by the library's own decoders from a Blob and by the browser (createImageBitmap,
 * read back through a canvas), and preprocessed with imagenet-v1. Returns SHA-256 digests of the
 * pixels and the tensors, for Node to compare with its own, and whether the page was cross-origin
 * isolated.
 */
import { preprocess, rgbFromBlob, rgbFromDrawable, sha256Hex } from '../../src/browser.js';
import type { RgbImage } from '../../src/browser.js';

export const PHOTOS = ['chelsea.png', 'camera.png', 'rocket.jpg'];

export interface Digests {
  pixels: string;
  tensor: string;
}

export interface PixelsResult {
  crossOriginIsolated: boolean;
  /** By photo: through the library's decoders (blob) and through the browser's (bitmap). */
  photos: Record<string, { blob: Digests; bitmap: Digests }>;
}

async function digests(image: RgbImage): Promise<Digests> {
  const t = preprocess(image, 'imagenet-v1').data;
  return {
    pixels: await sha256Hex(image.data),
    tensor: await sha256Hex(new Uint8Array(t.buffer, t.byteOffset, t.byteLength)),
  };
}

export async function run(): Promise<PixelsResult> {
  const photos: PixelsResult['photos'] = {};
  for (const name of PHOTOS) {
    const blob = await (await fetch(name)).blob();
    const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    photos[name] = {
      blob: await digests(await rgbFromBlob(blob, name)),
      bitmap: await digests(rgbFromDrawable(bitmap, name)),
    };
  }
  return { crossOriginIsolated, photos };
}
