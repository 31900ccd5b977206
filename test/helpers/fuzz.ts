/**
 * Mutation fuzzing of the file parsers (test/fuzz_parsers.test.ts runs a few cases with a fixed
 * seed, bench/fuzz_parsers.ts many with a random one). A case starts from a valid file and applies
 * one to four mutations: bit flips, bytes set to 0x00/0xFF, truncation, splicing or duplicating a
 * chunk, and format-aware edits that set a length or dimension field to an extreme. The property:
 * the parser returns or throws a UserError; any other error (RangeError, TypeError, plain Error)
 * is a bug, reported with the mutated bytes. The process' memory must stay under a cap as well.
 */
import fc from 'fast-check';
import { UserError } from '../../src/errors.js';

/** Values format-aware mutations write into numeric fields. */
export const EXTREMES = [0, 1, 0x7fffffff, 0xffffffff] as const;

/** A numeric field of a file: `width` bytes at `at`, in either byte order. */
export interface Field {
  at: number;
  width: 1 | 2 | 4 | 8;
  littleEndian: boolean;
}

/** One parser under test. */
export interface FuzzTarget {
  name: string;
  /** Valid files the mutations start from. */
  seeds: Uint8Array[];
  /** Parses the bytes (any return value is fine); must throw nothing but UserError. */
  parse(bytes: Uint8Array): unknown;
  /** The numeric fields of `bytes` worth setting to extremes (length, size, dimension, offset). */
  fields?(bytes: Uint8Array): Field[];
  /** Format-aware edits beyond numeric fields (e.g. a JSON header's values); `pick` is any integer. */
  rewrite?(bytes: Uint8Array, pick: number, value: number): Uint8Array | null;
  /** Only these kinds of mutation apply (the others leave the bytes as they are); default: all. */
  kinds?: readonly Mutation['kind'][];
  /** Repairs checksums after a mutation (applied to half the cases, so headers get past CRC checks). */
  fixup?(bytes: Uint8Array): Uint8Array;
}

export type Mutation =
  | { kind: 'flip'; pos: number; bit: number }
  | { kind: 'set'; pos: number; value: number }
  | { kind: 'truncate'; pos: number }
  | { kind: 'splice'; from: number; length: number; to: number; duplicate: boolean }
  | { kind: 'field'; pick: number; value: number }
  | { kind: 'rewrite'; pick: number; value: number };

// Unbiased: fast-check favours small integers, which would put almost every mutation in the first bytes.
const position = fc.noBias(fc.nat({ max: 0x7fffffff }));
const extreme = fc.oneof(fc.constantFrom(...EXTREMES), fc.nat({ max: 0xffff }));

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), pos: position, value: fc.constantFrom(0x00, 0xff) }),
  fc.record({ kind: fc.constant('truncate' as const), pos: position }),
  fc.record({
    kind: fc.constant('splice' as const),
    from: position,
    length: fc.integer({ min: 1, max: 512 }),
    to: position,
    duplicate: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('field' as const), pick: position, value: extreme }),
  fc.record({ kind: fc.constant('rewrite' as const), pick: position, value: extreme }),
);

/** A case: which seed, which mutations, and whether checksums are repaired afterwards. */
export interface FuzzCase {
  seed: number;
  mutations: Mutation[];
  fixup: boolean;
}

export const caseArb: fc.Arbitrary<FuzzCase> = fc.record({
  seed: fc.nat(),
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
  fixup: fc.boolean(),
});

function writeField(bytes: Uint8Array, f: Field, value: number): void {
  if (f.at + f.width > bytes.length) return;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (f.width === 1) dv.setUint8(f.at, value & 0xff);
  else if (f.width === 2) dv.setUint16(f.at, value & 0xffff, f.littleEndian);
  else if (f.width === 4) dv.setUint32(f.at, value >>> 0, f.littleEndian);
  // A saturated 32-bit value in a 64-bit field stands for "enormous": use all ones.
  else dv.setBigUint64(f.at, value === 0xffffffff ? 0xffffffffffffffffn : BigInt(value), f.littleEndian);
}

function applyMutation(target: FuzzTarget, input: Uint8Array, m: Mutation): Uint8Array {
  const n = input.length;
  if (n === 0 || (target.kinds !== undefined && !target.kinds.includes(m.kind))) return input;
  switch (m.kind) {
    case 'flip': {
      const out = input.slice();
      out[m.pos % n] ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      const out = input.slice();
      out[m.pos % n] = m.value;
      return out;
    }
    case 'truncate':
      return input.slice(0, m.pos % n);
    case 'splice': {
      const from = m.from % n;
      const chunk = input.subarray(from, Math.min(n, from + m.length));
      const to = m.to % (n + 1);
      const rest = m.duplicate ? input.subarray(to) : input.subarray(Math.min(n, to + chunk.length));
      const out = new Uint8Array(to + chunk.length + rest.length);
      out.set(input.subarray(0, to));
      out.set(chunk, to);
      out.set(rest, to + chunk.length);
      return out;
    }
    case 'field': {
      const fields = target.fields?.(input) ?? [];
      if (fields.length === 0) return input;
      const out = input.slice();
      writeField(out, fields[m.pick % fields.length]!, m.value);
      return out;
    }
    case 'rewrite':
      return target.rewrite?.(input, m.pick, m.value) ?? input;
  }
}

/** The bytes a case feeds the parser. */
export function mutate(target: FuzzTarget, c: FuzzCase): Uint8Array {
  // A plain copy: seeds are often Buffers, whose slice() is a view that would let mutations leak.
  let bytes: Uint8Array = new Uint8Array(target.seeds[c.seed % target.seeds.length]!);
  for (const m of c.mutations) bytes = applyMutation(target, bytes, m);
  return c.fixup && target.fixup ? target.fixup(bytes) : bytes;
}

/** Bytes small enough to print in a failure report (base64), else their length. */
function describeBytes(bytes: Uint8Array): string {
  return bytes.length <= 4096
    ? `base64 ${Buffer.from(bytes).toString('base64')}`
    : `${bytes.length} bytes (too long to print; rerun with the seed)`;
}

/** Runs one case; throws (an assertion-style Error) when the contract is broken. */
export function checkCase(target: FuzzTarget, c: FuzzCase, rssCap: number): void {
  const bytes = mutate(target, c);
  try {
    target.parse(bytes);
  } catch (e) {
    if (!(e instanceof UserError)) {
      const what = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
      throw new Error(`${target.name}: non-user error ${what}\ninput: ${describeBytes(bytes)}`);
    }
  }
  const rss = process.memoryUsage().rss;
  if (rss > rssCap) {
    throw new Error(
      `${target.name}: resident memory ${(rss / 2 ** 20).toFixed(0)} MB exceeds the cap of ` +
        `${(rssCap / 2 ** 20).toFixed(0)} MB\ninput: ${describeBytes(bytes)}`,
    );
  }
}

/** fast-check's options for a run: a fixed seed in tests, a random one (printed) in the bench. */
export interface FuzzRun {
  seed: number;
  numRuns: number;
  /** Resident memory allowed above what the process had when the run started. */
  rssHeadroom: number;
}

/** Checks the property over `run.numRuns` cases; fast-check's report names the seed and the case. */
export function fuzzTarget(target: FuzzTarget, run: FuzzRun): void {
  const rssCap = process.memoryUsage().rss + run.rssHeadroom;
  fc.assert(
    fc.property(caseArb, (c) => checkCase(target, c, rssCap)),
    { seed: run.seed, numRuns: run.numRuns, endOnFailure: true },
  );
}

// Field locators of the formats.

/** Every chunk's length, and IHDR's width, height, bit depth, color type and interlace method. */
export function pngFields(b: Uint8Array): Field[] {
  const fields: Field[] = [];
  for (let at = 8; at + 8 <= b.length;) {
    fields.push({ at, width: 4, littleEndian: false });
    const type = String.fromCharCode(...b.subarray(at + 4, at + 8));
    if (type === 'IHDR') {
      fields.push(
        { at: at + 8, width: 4, littleEndian: false },
        { at: at + 12, width: 4, littleEndian: false },
      );
      for (const k of [16, 17, 20]) fields.push({ at: at + k, width: 1, littleEndian: false });
    }
    const length = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, false);
    at += 12 + length;
  }
  return fields;
}

/** Every marker segment's length; SOF dimensions and component count; SOS spectral selection. */
export function jpegFields(b: Uint8Array): Field[] {
  const fields: Field[] = [];
  for (let at = 2; at + 4 <= b.length;) {
    if (b[at] !== 0xff) break;
    const marker = b[at + 1]!;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9) break;
    fields.push({ at: at + 2, width: 2, littleEndian: false });
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      fields.push(
        { at: at + 5, width: 2, littleEndian: false },
        { at: at + 7, width: 2, littleEndian: false },
        { at: at + 9, width: 1, littleEndian: false },
        { at: at + 11, width: 1, littleEndian: false },
      );
    }
    const length = (b[at + 2]! << 8) | b[at + 3]!;
    if (marker === 0xda) {
      const n = b[at + 4] ?? 0;
      for (const k of [5 + 2 * n, 6 + 2 * n, 7 + 2 * n])
        fields.push({ at: at + k, width: 1, littleEndian: false });
      // Entropy-coded data follows: find the next marker that is not a stuffed byte or a restart.
      at += 2 + length;
      while (
        at + 1 < b.length &&
        !(b[at] === 0xff && b[at + 1] !== 0 && !(b[at + 1]! >= 0xd0 && b[at + 1]! <= 0xd7))
      )
        at++;
      continue;
    }
    at += 2 + length;
  }
  return fields;
}

/** Sizes, counts, offsets and name/extra lengths of every zip record (located by signature). */
export function zipFields(b: Uint8Array): Field[] {
  const fields: Field[] = [];
  const le = (at: number, width: 2 | 4 | 8): Field => ({ at, width, littleEndian: true });
  for (let at = 0; at + 4 <= b.length; at++) {
    if (b[at] !== 0x50 || b[at + 1] !== 0x4b) continue;
    const sig = (b[at + 2]! << 8) | b[at + 3]!;
    if (sig === 0x0304)
      fields.push(le(at + 8, 2), le(at + 18, 4), le(at + 22, 4), le(at + 26, 2), le(at + 28, 2));
    else if (sig === 0x0102)
      fields.push(
        le(at + 10, 2),
        le(at + 20, 4),
        le(at + 24, 4),
        le(at + 28, 2),
        le(at + 30, 2),
        le(at + 32, 2),
        le(at + 42, 4),
      );
    else if (sig === 0x0506) fields.push(le(at + 10, 2), le(at + 12, 4), le(at + 16, 4));
    else if (sig === 0x0606) fields.push(le(at + 32, 8), le(at + 40, 8), le(at + 48, 8));
    else if (sig === 0x0607) fields.push(le(at + 8, 8));
  }
  return fields;
}

/** Length and index arguments of pickle opcodes (located by opcode byte; stray matches are harmless). */
export function pickleFields(b: Uint8Array): Field[] {
  const widths: Record<number, 1 | 4 | 8> = {
    0x58: 4, // BINUNICODE
    0x8c: 1, // SHORT_BINUNICODE
    0x8d: 8, // BINUNICODE8
    0x54: 4, // BINSTRING
    0x55: 1, // SHORT_BINSTRING
    0x42: 4, // BINBYTES
    0x43: 1, // SHORT_BINBYTES
    0x8e: 8, // BINBYTES8
    0x8a: 1, // LONG1
    0x8b: 4, // LONG4
    0x4a: 4, // BININT
    0x4b: 1, // BININT1
    0x71: 1, // BINPUT
    0x72: 4, // LONG_BINPUT
    0x68: 1, // BINGET
    0x6a: 4, // LONG_BINGET
    0x95: 8, // FRAME
  };
  const fields: Field[] = [];
  for (let at = 0; at < b.length; at++) {
    const width = widths[b[at]!];
    if (width !== undefined) fields.push({ at: at + 1, width, littleEndian: true });
  }
  return fields;
}

/** The rank byte and each dimension of an IDX header. */
export function idxFields(b: Uint8Array): Field[] {
  const rank = b[3] ?? 0;
  const fields: Field[] = [
    { at: 2, width: 1, littleEndian: false },
    { at: 3, width: 1, littleEndian: false },
  ];
  for (let d = 0; d < rank; d++) fields.push({ at: 4 + 4 * d, width: 4, littleEndian: false });
  return fields;
}

/** The header length of a safetensors file. */
export function safetensorsFields(): Field[] {
  return [{ at: 0, width: 8, littleEndian: true }];
}

/** Values a JSON rewrite puts in place of a number or string of a header. */
const HOSTILE_JSON: readonly unknown[] = [
  -1,
  0,
  1,
  0x7fffffff,
  0xffffffff,
  2 ** 53,
  1e308,
  0.5,
  null,
  '',
  'F32',
  'X99',
  [],
  {},
  '[[[[[[[[[[[[[[[[[[[[',
  'null',
  '{"type":"SGD","paramGroups":7}',
];

/**
 * Rewrites one value of a safetensors JSON header (a shape entry, a data offset, a dtype, a metadata
 * string) to a hostile one, and fixes the header length so the edit reaches the validator.
 */
export function rewriteSafetensorsHeader(b: Uint8Array, pick: number, value: number): Uint8Array | null {
  if (b.length < 8) return null;
  const n = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
  if (n > b.length - 8) return null;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n)));
  } catch {
    return null;
  }
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (holder: Record<string, unknown> | unknown[]): void => {
    for (const [k, x] of Object.entries(holder)) {
      if (typeof x === 'object' && x !== null) walk(x as Record<string, unknown>);
      else slots.push([holder, Array.isArray(holder) ? Number(k) : k]);
    }
  };
  if (typeof header !== 'object' || header === null) return null;
  walk(header as Record<string, unknown>);
  if (slots.length === 0) return null;
  const [holder, key] = slots[pick % slots.length]!;
  const replacement = HOSTILE_JSON[value % HOSTILE_JSON.length];
  const inString = typeof (holder as Record<string, unknown>)[key as string] === 'string';
  (holder as Record<string | number, unknown>)[key] =
    inString && typeof replacement !== 'string' ? JSON.stringify(replacement) : replacement;
  const text = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + b.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(b.subarray(8 + n), 8 + text.length);
  return out;
}
