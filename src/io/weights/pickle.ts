/**
 * Restricted unpickler for the pickles inside PyTorch checkpoints (protocol 2, as torch.save
 * writes, plus the protocol 3-5 opcodes a newer pickler may emit). Nothing from the file is ever
 * executed: GLOBAL/STACK_GLOBAL resolve only through the caller's allowlist table, and calling a
 * global (REDUCE/NEWOBJ) runs the JavaScript implementation from that table. Object state passed
 * to BUILD (e.g. an OrderedDict's `_metadata`) is discarded: only the values matter to us.
 *
 * Python values map to: None → null, bool, int → number (bigint beyond 2^53), float → number,
 * str → string, bytes → Uint8Array, list/tuple → Array, dict → Map, set → Set, global → PyGlobal.
 */
import { FileFormatError } from '../../errors.js';

/** What an allowlisted global does when the pickle calls it. */
export interface GlobalImpl {
  /** Called for REDUCE/NEWOBJ with the argument tuple; globals without it can only be passed as values. */
  readonly call?: (args: unknown[]) => unknown;
}

/** A resolved, allowlisted global such as `torch.FloatStorage`. */
export class PyGlobal {
  constructor(
    readonly name: string,
    readonly impl: GlobalImpl,
  ) {}
}

export interface UnpickleOptions {
  /** Allowlist: fully qualified name (`module.name`) → implementation. Anything else is refused. */
  readonly globals: Readonly<Record<string, GlobalImpl>>;
  /** Resolves BINPERSID/PERSID ids (torch uses them for tensor storages). */
  readonly persistentLoad?: (pid: unknown) => unknown;
}

/** Python 2 module names that protocol-2 pickles use for Python 3 modules. */
const MODULE_ALIASES: Readonly<Record<string, string>> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

class Unpickler {
  private pos = 0;
  private stack: unknown[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly dv: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
    private readonly options: UnpickleOptions,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private fail(what: string): FileFormatError {
    return new FileFormatError(`${this.source}: malformed pickle (${what} at byte ${this.pos}).`);
  }

  private take(n: number): number {
    if (n < 0 || this.pos + n > this.bytes.length) throw this.fail('unexpected end of data');
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private u8(): number {
    return this.bytes[this.take(1)]!;
  }

  private u16(): number {
    return this.dv.getUint16(this.take(2), true);
  }

  private u32(): number {
    return this.dv.getUint32(this.take(4), true);
  }

  private u64(): number {
    const v = this.dv.getBigUint64(this.take(8), true);
    if (v > BigInt(this.bytes.length)) throw this.fail('length out of range');
    return Number(v);
  }

  private raw(n: number): Uint8Array {
    const at = this.take(n);
    return this.bytes.subarray(at, at + n);
  }

  private utf8(n: number): string {
    return new TextDecoder().decode(this.raw(n));
  }

  private latin1(n: number): string {
    const b = this.raw(n);
    let s = '';
    for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
    return s;
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw this.fail('unterminated line');
    const s = this.latin1(end - this.pos);
    this.pos++;
    return s;
  }

  /** Little-endian two's complement integer of `n` bytes (LONG1/LONG4), in time linear in `n`. */
  private long(n: number): number | bigint {
    if (n === 0) return 0;
    const bigEndian = this.raw(n).slice().reverse();
    let v = BigInt(`0x${Array.from(bigEndian, (b) => b.toString(16).padStart(2, '0')).join('')}`);
    if (bigEndian[0]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private pop(): unknown {
    const floor = this.marks.length ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) throw this.fail('stack underflow');
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length === 0) throw this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }

  private popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw this.fail('missing MARK');
    return this.stack.splice(mark);
  }

  private global(module: string, name: string): PyGlobal {
    const qualified = `${MODULE_ALIASES[module] ?? module}.${name}`;
    const impl = Object.prototype.hasOwnProperty.call(this.options.globals, qualified)
      ? this.options.globals[qualified]
      : undefined;
    if (!impl) {
      throw new FileFormatError(
        `${this.source}: refusing to load global '${qualified}' (only tensor data is allowed in weight files).`,
      );
    }
    return new PyGlobal(qualified, impl);
  }

  private call(callable: unknown, args: unknown): unknown {
    if (!(callable instanceof PyGlobal)) throw this.fail('call of a non-global');
    if (!Array.isArray(args)) throw this.fail('call arguments are not a tuple');
    if (!callable.impl.call) {
      throw new FileFormatError(
        `${this.source}: global '${callable.name}' cannot be called in a weight file.`,
      );
    }
    return callable.impl.call(args);
  }

  private persistent(pid: unknown): unknown {
    if (!this.options.persistentLoad) throw this.fail('unexpected persistent id');
    return this.options.persistentLoad(pid);
  }

  private memoGet(i: number): unknown {
    if (!this.memo.has(i)) throw this.fail(`memo entry ${i} missing`);
    return this.memo.get(i);
  }

  private dictTop(): Map<unknown, unknown> {
    const d = this.top();
    if (!(d instanceof Map)) throw this.fail('SETITEM on a non-dict');
    return d;
  }

  private listTop(): unknown[] {
    const l = this.top();
    if (!Array.isArray(l)) throw this.fail('APPEND on a non-list');
    return l;
  }

  private setItems(d: Map<unknown, unknown>, items: unknown[]): void {
    if (items.length % 2) throw this.fail('odd number of dict items');
    for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
  }

  run(): unknown {
    for (;;) {
      const op = this.u8();
      const s = this.stack;
      switch (op) {
        case 0x80: // PROTO
          if (this.u8() > 5) throw this.fail('unsupported pickle protocol');
          break;
        case 0x95: // FRAME
          this.u64();
          break;
        case 0x2e: // STOP
          return this.pop();
        case 0x28: // MARK
          this.marks.push(s.length);
          break;
        case 0x30: // POP
          this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          s.push(this.top());
          break;
        case 0x4e: // NONE
          s.push(null);
          break;
        case 0x88: // NEWTRUE
          s.push(true);
          break;
        case 0x89: // NEWFALSE
          s.push(false);
          break;
        case 0x4a: // BININT
          s.push(this.dv.getInt32(this.take(4), true));
          break;
        case 0x4b: // BININT1
          s.push(this.u8());
          break;
        case 0x4d: // BININT2
          s.push(this.u16());
          break;
        case 0x8a: // LONG1
          s.push(this.long(this.u8()));
          break;
        case 0x8b: // LONG4
          s.push(this.long(this.u32()));
          break;
        case 0x49: // INT (text; "00"/"01" are bools)
          s.push(parseTextInt(this.line(), () => this.fail('bad INT')));
          break;
        case 0x47: // BINFLOAT
          s.push(this.dv.getFloat64(this.take(8), false));
          break;
        case 0x58: // BINUNICODE
          s.push(this.utf8(this.u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          s.push(this.utf8(this.u8()));
          break;
        case 0x8d: // BINUNICODE8
          s.push(this.utf8(this.u64()));
          break;
        case 0x54: // BINSTRING
          s.push(this.latin1(this.u32()));
          break;
        case 0x55: // SHORT_BINSTRING
          s.push(this.latin1(this.u8()));
          break;
        case 0x42: // BINBYTES
          s.push(this.raw(this.u32()));
          break;
        case 0x43: // SHORT_BINBYTES
          s.push(this.raw(this.u8()));
          break;
        case 0x8e: // BINBYTES8
          s.push(this.raw(this.u64()));
          break;
        case 0x7d: // EMPTY_DICT
          s.push(new Map());
          break;
        case 0x64: {
          // DICT
          const d = new Map<unknown, unknown>();
          this.setItems(d, this.popMark());
          s.push(d);
          break;
        }
        case 0x5d: // EMPTY_LIST
        case 0x29: // EMPTY_TUPLE
          s.push([]);
          break;
        case 0x6c: // LIST
        case 0x74: // TUPLE
          s.push(this.popMark());
          break;
        case 0x85: // TUPLE1
          s.push([this.pop()]);
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          s.push([this.pop(), b]);
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          s.push([this.pop(), b, c]);
          break;
        }
        case 0x8f: // EMPTY_SET
          s.push(new Set());
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const set = this.top();
          if (!(set instanceof Set)) throw this.fail('ADDITEMS on a non-set');
          for (const x of items) set.add(x);
          break;
        }
        case 0x91: // FROZENSET
          s.push(new Set(this.popMark()));
          break;
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.dictTop().set(k, v);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.dictTop(), items);
          break;
        }
        case 0x61: {
          // APPEND
          const v = this.pop();
          this.listTop().push(v);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          const list = this.listTop();
          for (const item of items) list.push(item);
          break;
        }
        case 0x63: {
          // GLOBAL
          const module = this.line();
          s.push(this.global(module, this.line()));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string')
            throw this.fail('STACK_GLOBAL needs strings');
          s.push(this.global(module, name));
          break;
        }
        case 0x52: // REDUCE
        case 0x81: {
          // NEWOBJ
          const args = this.pop();
          s.push(this.call(this.pop(), args));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.pop();
          if (!(kwargs instanceof Map) || kwargs.size > 0)
            throw this.fail('NEWOBJ_EX with keyword arguments');
          s.push(this.call(this.pop(), args));
          break;
        }
        case 0x62: // BUILD
          this.pop();
          this.top();
          break;
        case 0x51: // BINPERSID
          s.push(this.persistent(this.pop()));
          break;
        case 0x50: // PERSID
          s.push(this.persistent(this.line()));
          break;
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.u32(), this.top());
          break;
        case 0x70: // PUT
          this.memo.set(
            parseMemoIndex(this.line(), () => this.fail('bad PUT')),
            this.top(),
          );
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x68: // BINGET
          s.push(this.memoGet(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          s.push(this.memoGet(this.u32()));
          break;
        case 0x67: // GET
          s.push(this.memoGet(parseMemoIndex(this.line(), () => this.fail('bad GET'))));
          break;
        default:
          this.pos--;
          throw this.fail(`unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }
}

function parseTextInt(text: string, fail: () => Error): number | boolean {
  if (text === '00') return false;
  if (text === '01') return true;
  if (!/^-?\d+$/.test(text)) throw fail();
  return Number(text);
}

function parseMemoIndex(text: string, fail: () => Error): number {
  if (!/^\d+$/.test(text)) throw fail();
  return Number(text);
}

/** Unpickles `bytes`; `source` names the file in error messages. */
export function unpickle(bytes: Uint8Array, source: string, options: UnpickleOptions): unknown {
  return new Unpickler(bytes, source, options).run();
}
