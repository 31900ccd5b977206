/**
 * Colour conversion to 8-bit RGB as PIL's `Image.open(f).convert('RGB')` produces it from a JPEG:
 * libjpeg-turbo's fixed-point YCbCr -> RGB and YCCK -> CMYK (jdcolor.c, 16 fraction bits) for what
 * libjpeg decodes, then for CMYK files PIL's own steps: its "CMYK;I" raw mode inverts the samples
 * (Adobe's convention) and convert('RGB') computes R = 255 - K' - C' * (255 - K') / 255 in integers.
 */
import type { RgbImage } from '../rgb_image.js';
import type { Plane } from './upsample.js';

/** How the file's components encode colour (libjpeg's jpeg_color_space). */
export type ColorSpace = 'gray' | 'ycbcr' | 'rgb' | 'cmyk' | 'ycck';

const fix = (x: number) => Math.floor(x * 65536 + 0.5);
const ONE_HALF = 1 << 15;
/** build_ycc_rgb_table: per chroma sample, its contribution to R, B (rounded) and G (scaled). */
const CR_R = Int32Array.from({ length: 256 }, (_, i) => (fix(1.402) * (i - 128) + ONE_HALF) >> 16);
const CB_B = Int32Array.from({ length: 256 }, (_, i) => (fix(1.772) * (i - 128) + ONE_HALF) >> 16);
const CR_G = Int32Array.from({ length: 256 }, (_, i) => -fix(0.71414) * (i - 128));
const CB_G = Int32Array.from({ length: 256 }, (_, i) => -fix(0.34414) * (i - 128) + ONE_HALF);

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** PIL's MULDIV255: a * b / 255, rounded, in integers. */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/** Converts full-size component planes (in frame order) to RGB. */
export function toRgb(planes: Plane[], space: ColorSpace, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const [p0, p1, p2, p3] = planes;
  for (let y = 0, o = 0; y < height; y++) {
    const a = p0.data.subarray(y * p0.stride, y * p0.stride + width);
    if (space === 'gray') {
      for (let x = 0; x < width; x++, o += 3) out[o] = out[o + 1] = out[o + 2] = a[x];
      continue;
    }
    const b = p1.data.subarray(y * p1.stride, y * p1.stride + width);
    const c = p2.data.subarray(y * p2.stride, y * p2.stride + width);
    if (space === 'rgb') {
      for (let x = 0; x < width; x++, o += 3) {
        out[o] = a[x];
        out[o + 1] = b[x];
        out[o + 2] = c[x];
      }
    } else if (space === 'ycbcr') {
      for (let x = 0; x < width; x++, o += 3) {
        const luma = a[x];
        out[o] = clamp(luma + CR_R[c[x]]);
        out[o + 1] = clamp(luma + ((CB_G[b[x]] + CR_G[c[x]]) >> 16));
        out[o + 2] = clamp(luma + CB_B[b[x]]);
      }
    } else {
      const k = p3.data.subarray(y * p3.stride, y * p3.stride + width);
      for (let x = 0; x < width; x++, o += 3) {
        let cyan = a[x];
        let magenta = b[x];
        let yellow = c[x];
        if (space === 'ycck') {
          // a, b, c hold Y, Cb, Cr of the inverted CMY (ycck_cmyk_convert).
          cyan = clamp(255 - (a[x] + CR_R[c[x]]));
          magenta = clamp(255 - (a[x] + ((CB_G[b[x]] + CR_G[c[x]]) >> 16)));
          yellow = clamp(255 - (a[x] + CB_B[b[x]]));
        }
        // PIL inverts C, M, Y and K ("CMYK;I"), then converts CMYK -> RGB.
        out[o] = k[x] - mulDiv255(255 - cyan, k[x]);
        out[o + 1] = k[x] - mulDiv255(255 - magenta, k[x]);
        out[o + 2] = k[x] - mulDiv255(255 - yellow, k[x]);
      }
    }
  }
  return { width, height, data: out };
}
