/**
 * JPEG decoding that reproduces PIL's `Image.open(f).convert('RGB')` (libjpeg-turbo 2.1 underneath)
 * bit for bit: baseline, extended and progressive Huffman-coded files, restart intervals, 1/3/4
 * components (grayscale, YCbCr, RGB, CMYK and YCCK with Adobe's APP14 transform flag), any integral
 * chroma subsampling. The file is read as libjpeg reads it: marker by marker, scans decoded as they
 * come, single-scan files decoded straight to samples and multi-scan ones through a coefficient
 * buffer; then upsampling and colour conversion. Arithmetic coding, lossless/hierarchical JPEG and
 * 12-bit samples are refused (PIL's libjpeg-turbo 2.1 decodes arithmetic coding; we do not).
 *
 * Like PIL, a file whose data ends before the decoder is done is an error, a damaged entropy-coded
 * segment decodes as libjpeg decodes it (zeros past a premature marker, restart resync), and the
 * declared size is checked against the pixel cap (src/io/image_limits.ts) before anything is allocated.
 */
import { FileFormatError } from '../../errors.js';
import type { RgbImage } from '../rgb_image.js';
import { checkImagePixels } from '../image_limits.js';
import { toRgb, type ColorSpace } from './color.js';
import { EntropyReader } from './huffman.js';
import { JpegError, truncated } from './jpeg_error.js';
import {
  APP0,
  COM,
  DAC,
  DHT,
  DNL,
  DQT,
  DRI,
  EOI,
  RST0,
  SOI,
  SOS,
  TEM,
  SegmentReader,
  checkArithmeticConditioning,
  checkDimensions,
  isFrameMarker,
  nextMarker,
  parseFrame,
  parseHuffmanTables,
  parseQuantTables,
  parseRestartInterval,
  parseScan,
  readAppMarker,
  skipSegment,
  type ColorMarkers,
  type Frame,
  type MarkerAt,
} from './markers.js';
import {
  createCoefficients,
  decodeProgressiveScan,
  decodeSequentialScan,
  type Coefficients,
  type HuffmanSlots,
} from './scan.js';
import { coefficientsToPlanes } from './smooth.js';
import { upsample } from './upsample.js';

/** Decodes JPEG bytes (starting with SOI); every failure is a FileFormatError naming `source`. */
export function decodeJpeg(bytes: Uint8Array, source: string): RgbImage {
  try {
    return decode(bytes, source);
  } catch (err) {
    if (!(err instanceof JpegError)) throw err;
    if (err.kind === 'unsupported')
      throw new FileFormatError(`${source}: unsupported JPEG image (${err.message}).`);
    throw new FileFormatError(`${source}: invalid or truncated JPEG image (${err.message}).`);
  }
}

/** What libjpeg decides at the first scan: buffers, colour space and whether more scans may follow. */
interface Image {
  frame: Frame;
  /** Per component: samples of gridW x gridH blocks (stride gridW * 8). */
  planes: Uint8Array[];
  /** Set for progressive images, whose scans refine a coefficient buffer. */
  coefficients: Coefficients | null;
  multiScan: boolean;
  space: ColorSpace;
}

/** Everything the markers read so far define. */
interface State {
  quant: (Uint16Array | null)[];
  slots: HuffmanSlots;
  color: ColorMarkers;
  restartInterval: number;
  frame: Frame | null;
  image: Image | null;
}

function decode(bytes: Uint8Array, source: string): RgbImage {
  const state: State = {
    quant: [null, null, null, null],
    slots: { dc: [null, null, null, null], ac: [null, null, null, null] },
    color: { jfif: false, adobeTransform: -1 },
    restartInterval: 0,
    frame: null,
    image: null,
  };
  const reader = new EntropyReader(bytes);
  let at: MarkerAt | null = nextMarker(bytes, 2);
  for (;;) {
    const { frame, image } = state;
    if (!at) {
      if (!image) throw new JpegError('it ends before any scan data');
      if (image.multiScan) throw truncated('before the end-of-image marker');
      return finish(image);
    }
    const { code, end } = at;
    if (code === EOI) {
      if (image) return finish(image);
      throw new JpegError(frame ? 'it has headers but no scan data' : 'it has neither a frame nor scan data');
    }
    try {
      if (code === SOS) at = scan(state, reader, end);
      else if ((code >= RST0 && code <= RST0 + 7) || code === TEM) at = nextMarker(bytes, end);
      else at = nextMarker(bytes, readMarkerSegment(state, bytes, code, end, source));
    } catch (err) {
      // After a complete single-scan image libjpeg only reads on to the end marker, and PIL accepts
      // data that ends on the way (but not invalid markers).
      if (err instanceof JpegError && err.kind === 'truncated' && image && !image.multiScan)
        return finish(image);
      throw err;
    }
  }
}

/** Reads one SOS segment and decodes its scan; returns the marker that follows the scan. */
function scan(state: State, reader: EntropyReader, pos: number): MarkerAt | null {
  const frame = state.frame;
  if (!frame) throw new JpegError('a scan comes before the frame header');
  const r = new SegmentReader(reader.bytes, pos, 'scan');
  const header = parseScan(r, frame);
  if (!state.image) state.image = startImage(frame, header.components.length, state.color);
  else if (!state.image.multiScan) throw new JpegError('a second scan follows a complete single-scan image');
  for (const c of header.components) {
    if (c.quant) continue;
    const q = state.quant[c.tq];
    if (!q) throw new JpegError(`quantization table ${c.tq} is not defined`);
    c.quant = q.slice();
  }
  const { slots, restartInterval, image } = state;
  if (!image.coefficients) {
    return decodeSequentialScan(reader, r.pos, frame, header, slots, restartInterval, image.planes);
  }
  image.coefficients.scans++;
  return decodeProgressiveScan(reader, r.pos, frame, header, slots, restartInterval, image.coefficients);
}

/** Reads a table, frame or application marker segment into `state`; returns where it ends. */
function readMarkerSegment(
  state: State,
  bytes: Uint8Array,
  code: number,
  pos: number,
  source: string,
): number {
  const r = new SegmentReader(bytes, pos, `0x${code.toString(16).toUpperCase()}`);
  if (isFrameMarker(code)) {
    const frame = parseFrame(code, r, state.frame !== null);
    checkImagePixels(frame.width, frame.height, source);
    checkDimensions(frame);
    state.frame = frame;
  } else if (code === DQT) {
    parseQuantTables(r, state.quant);
  } else if (code === DHT) {
    parseHuffmanTables(r, state.slots.dc, state.slots.ac);
  } else if (code === DRI) {
    state.restartInterval = parseRestartInterval(r);
  } else if (code === DAC) {
    checkArithmeticConditioning(r);
  } else if (code >= APP0 && code <= APP0 + 15) {
    const found = readAppMarker(code, r);
    // The colour space is settled at the first scan; later APP markers cannot change it.
    if (!state.image) Object.assign(state.color, found);
  } else if (code === COM || code === DNL) {
    skipSegment(r);
  } else if (code === SOI) {
    throw new JpegError('it has two start-of-image markers');
  } else {
    throw new JpegError(`unknown marker ${r.name}`);
  }
  return r.pos;
}

/** Output: coefficients to samples (progressive), upsampling, colour conversion. */
function finish(image: Image): RgbImage {
  const { frame, planes, coefficients } = image;
  if (coefficients) coefficientsToPlanes(frame, coefficients, planes);
  // A component no sequential scan reached stays mid-grey, the transform of all-zero coefficients.
  else for (const c of frame.components) if (!c.quant) planes[c.index].fill(128);
  const full = frame.components.map((c) => upsample(c, planes[c.index], frame));
  return toRgb(full, image.space, frame.width, frame.height);
}

/** libjpeg's setup at the first scan: colour space (default_decompress_parms) and buffers. */
function startImage(frame: Frame, compsInScan: number, color: ColorMarkers): Image {
  const n = frame.components.length;
  let space: ColorSpace = 'gray';
  if (n === 3) {
    const ids = frame.components.map((c) => c.id).join();
    if (color.jfif) space = 'ycbcr';
    else if (color.adobeTransform >= 0) space = color.adobeTransform === 0 ? 'rgb' : 'ycbcr';
    else space = ids === '82,71,66' ? 'rgb' : 'ycbcr';
  } else if (n === 4) {
    space = color.adobeTransform === 0 || color.adobeTransform < 0 ? 'cmyk' : 'ycck';
  }
  return {
    frame,
    planes: frame.components.map((c) => new Uint8Array(c.gridW * 8 * c.gridH * 8)),
    coefficients: frame.progressive ? createCoefficients(frame) : null,
    multiScan: frame.progressive || compsInScan < n,
    space,
  };
}
