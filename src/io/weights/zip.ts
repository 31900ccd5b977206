/**
 * Minimal, bounds-checked zip reader for PyTorch checkpoints (torch.save writes a zip since 1.6):
 * end of central directory (with ZIP64 records, which torch always writes), central directory,
 * local headers, and stored or deflated entries. Stored entries are returned as views, not copies;
 * deflated ones are inflated up to their declared size, which must be plausible for their data.
 */
import { FileFormatError } from '../../errors.js';
import { crc32 } from '../bytes.js';
import { InflateError, inflateRaw } from '../inflate.js';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc: number;
  readonly localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
/**
 * Deflate reaches 1032:1 on constant data, while torch.save stores entries uncompressed and float
 * weights deflate by a few percent: a deflated entry declaring more than this ratio (plus a little
 * slack for small entries) is refused before it is inflated. Inflation stops at the declared size.
 */
const MAX_DEFLATE_RATIO = 100;
const DEFLATE_SLACK = 1 << 16;

/** An opened archive: entry table plus on-demand reading of entry data. */
export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly buf: Uint8Array;
  private readonly dv: DataView;
  private readonly source: string;

  constructor(buf: Uint8Array, source: string) {
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.source = source;
    this.entries = this.readCentralDirectory();
  }

  private fail(what: string): FileFormatError {
    return new FileFormatError(`${this.source}: ${what}.`);
  }

  private u16(at: number): number {
    return this.dv.getUint16(at, true);
  }

  private u32(at: number): number {
    return this.dv.getUint32(at, true);
  }

  private u64(at: number): number {
    const v = this.dv.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw this.fail('corrupt zip archive (64-bit field out of range)');
    return Number(v);
  }

  /** Throws unless [at, at + len) lies inside the file. */
  private need(at: number, len: number, what: string): void {
    if (at < 0 || len < 0 || at + len > this.buf.length) {
      throw this.fail(`corrupt or truncated zip archive (${what} lies outside the file)`);
    }
  }

  private findEocd(): number {
    const min = Math.max(0, this.buf.length - 22 - 0xffff);
    for (let at = this.buf.length - 22; at >= min; at--) {
      if (this.u32(at) === SIG_EOCD) return at;
    }
    throw this.fail(
      'not a complete zip archive (end of central directory not found; the file may be truncated)',
    );
  }

  private readCentralDirectory(): Map<string, ZipEntry> {
    const eocd = this.findEocd();
    let count = this.u16(eocd + 10);
    let cdSize = this.u32(eocd + 12);
    let cdOffset = this.u32(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || this.u32(locator) !== SIG_ZIP64_LOCATOR)
        throw this.fail('corrupt zip archive (ZIP64 locator missing)');
      const z = this.u64(locator + 8);
      this.need(z, 56, 'ZIP64 end of central directory');
      if (this.u32(z) !== SIG_ZIP64_EOCD)
        throw this.fail('corrupt zip archive (bad ZIP64 end of central directory)');
      count = this.u64(z + 32);
      cdSize = this.u64(z + 40);
      cdOffset = this.u64(z + 48);
    }
    this.need(cdOffset, cdSize, 'central directory');
    const entries = new Map<string, ZipEntry>();
    let at = cdOffset;
    for (let i = 0; i < count; i++) {
      this.need(at, 46, 'central directory entry');
      if (this.u32(at) !== SIG_CENTRAL) throw this.fail('corrupt zip archive (bad central directory entry)');
      const entry = this.readCentralEntry(at);
      entries.set(entry.name, entry);
      at += 46 + this.u16(at + 28) + this.u16(at + 30) + this.u16(at + 32);
    }
    return entries;
  }

  private readCentralEntry(at: number): ZipEntry {
    const flags = this.u16(at + 8);
    const nameLen = this.u16(at + 28);
    const extraLen = this.u16(at + 30);
    this.need(at + 46, nameLen + extraLen, 'central directory entry name');
    const name = new TextDecoder().decode(this.buf.subarray(at + 46, at + 46 + nameLen));
    if (flags & 1) throw this.fail(`zip entry '${name}' is encrypted`);
    let compressedSize = this.u32(at + 20);
    let size = this.u32(at + 24);
    let localHeaderOffset = this.u32(at + 42);
    // ZIP64 extended information: only the fields whose 32-bit value is saturated are present, in order.
    let extra = at + 46 + nameLen;
    const extraEnd = extra + extraLen;
    while (extra + 4 <= extraEnd) {
      const id = this.u16(extra);
      const len = this.u16(extra + 2);
      if (extra + 4 + len > extraEnd)
        throw this.fail(`zip entry '${name}' has an extra field running past its end`);
      let p = extra + 4;
      if (id === 0x0001) {
        const take = (): number => {
          if (p + 8 > extra + 4 + len) throw this.fail(`corrupt ZIP64 extra field in zip entry '${name}'`);
          const v = this.u64(p);
          p += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      extra += 4 + len;
    }
    return {
      name,
      method: this.u16(at + 10),
      compressedSize,
      size,
      crc: this.u32(at + 16),
      localHeaderOffset,
    };
  }

  /** The entry's uncompressed bytes (a view into the file for stored entries). */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) throw this.fail(`zip entry '${name}' is missing`);
    const at = e.localHeaderOffset;
    this.need(at, 30, `local header of '${name}'`);
    if (this.u32(at) !== SIG_LOCAL) throw this.fail(`corrupt zip archive (bad local header for '${name}')`);
    const start = at + 30 + this.u16(at + 26) + this.u16(at + 28);
    this.need(start, e.compressedSize, `data of '${name}'`);
    const raw = this.buf.subarray(start, start + e.compressedSize);
    let data: Uint8Array;
    if (e.method === METHOD_STORED) {
      data = raw;
    } else if (e.method === METHOD_DEFLATE) {
      if (e.size > MAX_DEFLATE_RATIO * e.compressedSize + DEFLATE_SLACK) {
        throw this.fail(
          `zip entry '${name}' declares ${e.size} bytes from ${e.compressedSize} compressed ` +
            `(more than ${MAX_DEFLATE_RATIO}:1 is refused as a possible zip bomb)`,
        );
      }
      try {
        data = inflateRaw(raw, e.size);
      } catch (err) {
        if (!(err instanceof InflateError)) throw err;
        if (err.reason === 'too-large')
          throw this.fail(`zip entry '${name}' inflates beyond the ${e.size} bytes it declares`);
        throw this.fail(`zip entry '${name}' cannot be decompressed (${err.message})`);
      }
    } else {
      throw this.fail(`zip entry '${name}' uses unsupported compression method ${e.method}`);
    }
    if (data.length !== e.size)
      throw this.fail(`zip entry '${name}' has ${data.length} bytes, expected ${e.size}`);
    if (crc32(data) !== e.crc) throw this.fail(`zip entry '${name}' is corrupt (CRC mismatch)`);
    return data;
  }
}

/** Opens an in-memory zip archive; `source` names the file in error messages. */
export function openZip(buf: Uint8Array, source: string): ZipArchive {
  return new ZipArchive(buf, source);
}
