/**
 * Entropy decoding of one scan, as libjpeg-turbo's jdhuff.c (sequential) and jdphuff.c (progressive:
 * DC first/refine, AC first/refine with end-of-band runs): MCU order for interleaved and
 * single-component scans, restart intervals with libjpeg's resync rules for damaged restart markers,
 * and libjpeg's treatment of segments that run short (the rest of the segment is left empty).
 */
import { EntropyReader, STANDARD_AC, STANDARD_DC, deriveTable, type HuffmanTable } from './huffman.js';
import { idctBlock } from './idct.js';
import { JpegError, truncated } from './jpeg_error.js';
import {
  NATURAL_ORDER,
  RST0,
  nextMarker,
  type Component,
  type Frame,
  type HuffmanSpec,
  type MarkerAt,
  type ScanHeader,
} from './markers.js';

/** DHT tables currently defined, by slot. */
export interface HuffmanSlots {
  dc: (HuffmanSpec | null)[];
  ac: (HuffmanSpec | null)[];
}

/** Quantized coefficients of a progressive image, kept across scans, and how far each is known. */
export interface Coefficients {
  /** Per component: gridW * gridH blocks of 64 natural-order coefficients. */
  blocks: Int16Array[];
  /** libjpeg's coef_bits: per component and coefficient, the last Al coded (-1 = never coded). */
  bits: Int32Array;
  /** The same before the current scan (libjpeg-turbo's second coef_bits half). */
  prevBits: Int32Array;
  /** SOS markers seen (libjpeg's input_scan_number). */
  scans: number;
  /** Last iMCU row decoded with data available (libjpeg's last_good_iMCU_row). */
  lastGoodRow: number;
}

export function createCoefficients(frame: Frame): Coefficients {
  const n = frame.components.length;
  return {
    blocks: frame.components.map((c) => new Int16Array(c.gridW * c.gridH * 64)),
    bits: new Int32Array(n * 64).fill(-1),
    prevBits: new Int32Array(n * 64),
    scans: 0,
    lastGoodRow: 0,
  };
}

function table(
  specs: (HuffmanSpec | null)[],
  slot: number,
  isDC: boolean,
  standard?: HuffmanSpec[],
): HuffmanTable {
  const spec = specs[slot] ?? standard?.[slot];
  if (!spec) throw new JpegError(`scan uses Huffman table ${slot}, which is not defined`);
  return deriveTable(spec, isDC);
}

/** What a scan needs to call per MCU. */
interface McuDecoder {
  /** Decodes MCU (mx, my); `skip` when the segment ran out (libjpeg leaves such MCUs empty). */
  decode(mx: number, my: number, skip: boolean): void;
  /** Resets predictions and end-of-band runs at a restart marker. */
  restart(): void;
}

/**
 * Runs a scan's MCUs in order with restart handling; returns the marker after the scan (null when
 * the data ends first). `coefficients` tracks libjpeg's last good iMCU row for block smoothing.
 */
function runScan(
  reader: EntropyReader,
  frame: Frame,
  scan: ScanHeader,
  restartInterval: number,
  mcu: McuDecoder,
  coefficients?: Coefficients,
): MarkerAt | null {
  const single = scan.components.length === 1;
  const c0 = scan.components[0];
  const mcusX = single ? c0.blocksW : frame.mcusX;
  const mcusY = single ? c0.blocksH : frame.mcusY;
  const rowsPerImcu = single ? c0.v : 1;
  let restartsToGo = restartInterval;
  let nextRestart = 0;
  for (let my = 0; my < mcusY; my++) {
    for (let mx = 0; mx < mcusX; mx++) {
      if (coefficients && !reader.checkExhausted()) coefficients.lastGoodRow = Math.floor(my / rowsPerImcu);
      if (restartInterval > 0) {
        if (restartsToGo === 0) {
          processRestart(reader, nextRestart);
          nextRestart = (nextRestart + 1) & 7;
          mcu.restart();
          restartsToGo = restartInterval;
        }
        restartsToGo--;
      }
      mcu.decode(mx, my, reader.checkExhausted());
    }
  }
  return reader.marker === 0 ? null : { code: reader.marker, end: reader.markerEnd };
}

/** libjpeg's read_restart_marker and jpeg_resync_to_restart. */
function processRestart(reader: EntropyReader, expected: number): void {
  let code = reader.marker;
  let end = reader.markerEnd;
  if (code === 0) throw truncated('before a restart marker');
  if (code === RST0 + expected) {
    reader.open(end);
    return;
  }
  const rst = (n: number) => RST0 + (n & 7);
  for (;;) {
    if (
      code >= 0xc0 &&
      (code < RST0 || code > RST0 + 7 || code === rst(expected + 1) || code === rst(expected + 2))
    ) {
      // A non-restart marker or one of the next two restarts: leave it unread; this interval is empty.
      reader.openAtMarker(code, end);
      return;
    }
    if (code >= 0xc0 && code !== rst(expected - 1) && code !== rst(expected - 2)) {
      // The expected marker (or one too far away to tell): drop it and carry on.
      reader.open(end);
      return;
    }
    // An invalid marker or an earlier restart: scan ahead for the next marker.
    const next = nextMarker(reader.bytes, end);
    if (!next) throw truncated('while looking for a restart marker');
    ({ code, end } = next);
  }
}

/**
 * Decodes a sequential (baseline or extended) scan, transforming each block straight into the
 * component's sample plane (`planes[c.index]`, stride gridW * 8).
 */
export function decodeSequentialScan(
  reader: EntropyReader,
  pos: number,
  frame: Frame,
  scan: ScanHeader,
  slots: HuffmanSlots,
  restartInterval: number,
  planes: Uint8Array[],
): MarkerAt | null {
  const comps = scan.components;
  const dc = comps.map((_, i) => table(slots.dc, scan.dcTables[i], true, STANDARD_DC));
  const ac = comps.map((_, i) => table(slots.ac, scan.acTables[i], false, STANDARD_AC));
  const preds = new Int32Array(comps.length);
  const block = new Int16Array(64);
  const decodeBlock = (ci: number, c: Component, bx: number, by: number, skip: boolean) => {
    block.fill(0);
    if (!skip) {
      const s = reader.decode(dc[ci]);
      preds[ci] = (preds[ci] + (s ? reader.extend(s) : 0)) | 0;
      block[0] = preds[ci];
      const acTable = ac[ci];
      for (let k = 1; k < 64; k++) {
        const rs = reader.decode(acTable);
        const size = rs & 15;
        if (size) {
          k += rs >> 4;
          block[NATURAL_ORDER[k]] = reader.extend(size);
        } else {
          if (rs >> 4 !== 15) break;
          k += 15;
        }
      }
    }
    const stride = c.gridW * 8;
    idctBlock(block, 0, c.quant as Uint16Array, planes[c.index], by * 8 * stride + bx * 8, stride);
  };
  reader.open(pos);
  return runScan(reader, frame, scan, restartInterval, {
    decode: (mx, my, skip) =>
      forEachBlock(comps, mx, my, (ci, c, bx, by) => decodeBlock(ci, c, bx, by, skip)),
    restart: () => preds.fill(0),
  });
}

/** Calls `fn` for each block of MCU (mx, my): one block in a single-component scan, h x v otherwise. */
function forEachBlock(
  comps: Component[],
  mx: number,
  my: number,
  fn: (ci: number, c: Component, bx: number, by: number) => void,
): void {
  if (comps.length === 1) {
    fn(0, comps[0], mx, my);
    return;
  }
  for (let ci = 0; ci < comps.length; ci++) {
    const c = comps[ci];
    for (let y = 0; y < c.v; y++) for (let x = 0; x < c.h; x++) fn(ci, c, mx * c.h + x, my * c.v + y);
  }
}

/**
 * Decodes one progressive scan into `coefficients`, after libjpeg's start_pass_phuff_decoder checks
 * and bookkeeping of which coefficient bits are known.
 */
export function decodeProgressiveScan(
  reader: EntropyReader,
  pos: number,
  frame: Frame,
  scan: ScanHeader,
  slots: HuffmanSlots,
  restartInterval: number,
  coefficients: Coefficients,
): MarkerAt | null {
  const { ss, se, ah, al } = scan;
  const comps = scan.components;
  const isDC = ss === 0;
  const bad =
    (isDC ? se !== 0 : ss > se || se > 63 || comps.length !== 1) || (ah !== 0 && al !== ah - 1) || al > 13;
  if (bad) throw new JpegError(`bad progressive scan parameters Ss=${ss}, Se=${se}, Ah=${ah}, Al=${al}`);
  for (const c of comps) {
    const bits = coefficients.bits.subarray(c.index * 64, c.index * 64 + 64);
    const prev = coefficients.prevBits.subarray(c.index * 64, c.index * 64 + 64);
    for (let k = Math.min(ss, 1); k <= Math.max(se, 9); k++) prev[k] = coefficients.scans > 1 ? bits[k] : 0;
    for (let k = ss; k <= se; k++) bits[k] = al;
  }
  const blocks = coefficients.blocks;
  const offset = (c: Component, bx: number, by: number) => (by * c.gridW + bx) * 64;
  let mcu: McuDecoder;
  if (isDC && ah === 0) {
    const dc = comps.map((_, i) => table(slots.dc, scan.dcTables[i], true));
    const last = new Int32Array(comps.length);
    mcu = {
      decode: (mx, my, skip) => {
        if (skip) return;
        forEachBlock(comps, mx, my, (ci, c, bx, by) => {
          const s = reader.decode(dc[ci]);
          const diff = s ? reader.extend(s) : 0;
          const sum = last[ci] + diff;
          if (sum > 0x7fffffff || sum < -0x80000000) throw new JpegError('corrupt DC coefficient');
          last[ci] = sum;
          blocks[c.index][offset(c, bx, by)] = sum << al;
        });
      },
      restart: () => last.fill(0),
    };
  } else if (isDC) {
    // DC refinement reads its bits even after the segment ran short (libjpeg does not check).
    mcu = {
      decode: (mx, my) =>
        forEachBlock(comps, mx, my, (_, c, bx, by) => {
          if (reader.bits(1)) blocks[c.index][offset(c, bx, by)] |= 1 << al;
        }),
      restart: () => {},
    };
  } else {
    const c = comps[0];
    const coefs = blocks[c.index];
    const ac = table(slots.ac, scan.acTables[0], false);
    const state = { eobrun: 0 };
    const decodeBlock = ah === 0 ? acFirst : acRefine;
    mcu = {
      decode: (bx, by, skip) => {
        if (!skip) decodeBlock(reader, ac, coefs, offset(c, bx, by), ss, se, al, state);
      },
      restart: () => (state.eobrun = 0),
    };
  }
  reader.open(pos);
  return runScan(reader, frame, scan, restartInterval, mcu, coefficients);
}

/** decode_mcu_AC_first: the first pass over spectral band ss..se, scaled by 2^al. */
function acFirst(
  reader: EntropyReader,
  ac: HuffmanTable,
  coefs: Int16Array,
  off: number,
  ss: number,
  se: number,
  al: number,
  state: { eobrun: number },
): void {
  if (state.eobrun > 0) {
    state.eobrun--;
    return;
  }
  for (let k = ss; k <= se; k++) {
    const rs = reader.decode(ac);
    const run = rs >> 4;
    const size = rs & 15;
    if (size) {
      k += run;
      coefs[off + NATURAL_ORDER[k]] = reader.extend(size) << al;
    } else if (run === 15) {
      k += 15;
    } else {
      state.eobrun = (1 << run) + (run ? reader.bits(run) : 0) - 1;
      break;
    }
  }
}

/** decode_mcu_AC_refine: one more bit of band ss..se (bit al), plus newly nonzero coefficients. */
function acRefine(
  reader: EntropyReader,
  ac: HuffmanTable,
  coefs: Int16Array,
  off: number,
  ss: number,
  se: number,
  al: number,
  state: { eobrun: number },
): void {
  const p1 = 1 << al;
  const m1 = -1 << al;
  const refine = (pos: number) => {
    if (reader.bits(1) && (coefs[pos] & p1) === 0) coefs[pos] += coefs[pos] >= 0 ? p1 : m1;
  };
  let k = ss;
  if (state.eobrun === 0) {
    for (; k <= se; k++) {
      const rs = reader.decode(ac);
      let run = rs >> 4;
      let value = 0;
      if (rs & 15) {
        value = reader.bits(1) ? p1 : m1;
      } else if (run !== 15) {
        state.eobrun = (1 << run) + (run ? reader.bits(run) : 0);
        break;
      }
      // Skip `run` still-zero coefficients, refining the nonzero ones passed on the way.
      do {
        const pos = off + NATURAL_ORDER[k];
        if (coefs[pos] !== 0) refine(pos);
        else if (--run < 0) break;
        k++;
      } while (k <= se);
      if (value) coefs[off + NATURAL_ORDER[k]] = value;
    }
  }
  if (state.eobrun > 0) {
    for (; k <= se; k++) {
      const pos = off + NATURAL_ORDER[k];
      if (coefs[pos] !== 0) refine(pos);
    }
    state.eobrun--;
  }
}
