import type { Codec } from './codec';

/**
 * A small tagged binary format made for frames, writing into one reused buffer, with no schema and
 * no shared state between nodes. Measured against V8's serializer, msgpackr and JSON by
 * `npm run bench -- --only=codec` (figures in the README): fastest when one kind of frame repeats,
 * but on a mix of payloads no faster than V8's serializer on small frames and about 2× slower on
 * lists, so `v8Codec` is the default and this one an alternative that refuses class instances
 * outright instead of sending their fields.
 *
 * Every wire value round-trips (see transport.ts): primitives (bigint, undefined, -0, NaN
 * included), arrays (holes kept), plain objects, Map, Set, Date, RegExp, ArrayBuffer, typed arrays,
 * DataView. Not kept: identity of an object that occurs twice in one value (it arrives as two equal
 * copies); the node layer refuses cycles before they get here, and this codec refuses them too.
 *
 * Decoding builds data only. It runs no code named by the bytes, gives every object the plain
 * `Object.prototype`, defines a `__proto__` key as an own property (never through the setter),
 * checks every length against the bytes left before allocating, and throws `TypeError` on
 * anything malformed.
 */

// One byte of tag before every value.
const T_UNDEFINED = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_INT8 = 4;
const T_INT32 = 5;
const T_FLOAT64 = 6;
const T_STR8 = 7; // byte length in 1 byte
const T_STR32 = 8; // byte length in 4 bytes
const T_ARRAY = 9; // count (u32), then the items
const T_OBJECT = 10; // count (u32), then key (string body) and value pairs
const T_HOLE = 11; // an array hole
const T_BIGINT = 12; // sign byte, then magnitude as a string body of hex digits
const T_DATE = 13; // float64 time value
const T_MAP = 14; // count, then key/value pairs
const T_SET = 15; // count, then items
const T_REGEXP = 16; // source and flags as string bodies
const T_ARRAYBUFFER = 17; // u32 byte length, bytes
const T_VIEW = 18; // view type (u8), u32 byte length, bytes

const MAX_DEPTH = 512;

// Only these constructors can be named by a frame (by index): decoded bytes never pick arbitrary code.
const VIEWS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
] as const;
type ViewConstructor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;
const BUFFER_VIEW = VIEWS.length; // a Node Buffer travels as itself

class Writer {
  buf = Buffer.allocUnsafeSlow(4096);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  bytes(view: Uint8Array): void {
    this.u32(view.byteLength);
    this.ensure(view.byteLength);
    this.buf.set(view, this.pos);
    this.pos += view.byteLength;
  }

  /** A string body with its tag: short ASCII written byte by byte (cheaper than a native call). */
  string(s: string): void {
    const n = s.length;
    if (n < 86) {
      // 3 bytes per UTF-16 unit at most: fits a 1-byte length.
      this.ensure(2 + 3 * n);
      const buf = this.buf;
      const start = this.pos;
      buf[start] = T_STR8;
      let p = start + 2;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          p = start + 2 + buf.write(s, start + 2, 'utf8');
          break;
        }
        buf[p++] = c;
      }
      buf[start + 1] = p - start - 2;
      this.pos = p;
      return;
    }
    this.ensure(5 + 3 * n);
    this.buf[this.pos] = T_STR32;
    const written = this.buf.write(s, this.pos + 5, 'utf8');
    this.buf.writeUInt32LE(written, this.pos + 1);
    this.pos += 5 + written;
  }
}

function encodeValue(w: Writer, value: unknown, depth: number): void {
  switch (typeof value) {
    case 'number':
      if ((value | 0) === value && !Object.is(value, -0)) {
        if (value >= -128 && value <= 127) {
          w.ensure(2);
          w.buf[w.pos] = T_INT8;
          w.buf.writeInt8(value, w.pos + 1);
          w.pos += 2;
        } else {
          w.ensure(5);
          w.buf[w.pos] = T_INT32;
          w.buf.writeInt32LE(value, w.pos + 1);
          w.pos += 5;
        }
      } else {
        w.u8(T_FLOAT64);
        w.f64(value);
      }
      return;
    case 'string':
      w.string(value);
      return;
    case 'boolean':
      w.u8(value ? T_TRUE : T_FALSE);
      return;
    case 'undefined':
      w.u8(T_UNDEFINED);
      return;
    case 'bigint':
      w.u8(T_BIGINT);
      w.u8(value < 0n ? 1 : 0);
      w.string((value < 0n ? -value : value).toString(16));
      return;
    case 'object':
      if (value === null) {
        w.u8(T_NULL);
        return;
      }
      if (depth >= MAX_DEPTH) throw new TypeError(`wireCodec: value nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
      encodeObject(w, value, depth + 1);
      return;
    default:
      throw new TypeError(`wireCodec cannot encode a ${typeof value}`);
  }
}

function encodeObject(w: Writer, value: object, depth: number): void {
  if (Array.isArray(value)) {
    const n = value.length;
    w.u8(T_ARRAY);
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const item: unknown = value[i];
      if (item === undefined && !(i in value)) w.u8(T_HOLE);
      else encodeValue(w, item, depth);
    }
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(value);
    w.u8(T_OBJECT);
    w.u32(keys.length);
    for (let i = 0; i < keys.length; i++) {
      w.string(keys[i]);
      encodeValue(w, (value as Record<string, unknown>)[keys[i]], depth);
    }
    return;
  }
  if (value instanceof Date) {
    w.u8(T_DATE);
    w.f64(value.getTime());
  } else if (value instanceof Map) {
    w.u8(T_MAP);
    w.u32(value.size);
    for (const [k, v] of value) {
      encodeValue(w, k, depth);
      encodeValue(w, v, depth);
    }
  } else if (value instanceof Set) {
    w.u8(T_SET);
    w.u32(value.size);
    for (const v of value) encodeValue(w, v, depth);
  } else if (value instanceof RegExp) {
    w.u8(T_REGEXP);
    w.string(value.source);
    w.string(value.flags);
  } else if (value instanceof ArrayBuffer) {
    w.u8(T_ARRAYBUFFER);
    w.bytes(new Uint8Array(value));
  } else if (ArrayBuffer.isView(value)) {
    const type = Buffer.isBuffer(value) ? BUFFER_VIEW : VIEWS.findIndex((ctor) => value instanceof ctor);
    if (type < 0) throw new TypeError(`wireCodec cannot encode a ${value.constructor.name}`);
    w.u8(T_VIEW);
    w.u8(type);
    w.bytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  } else {
    // The node layer turns every other object into a marker first; one that slips through is a bug
    // there, and sending it as a plain object would change it silently.
    throw new TypeError(
      `wireCodec cannot encode an instance of ${(value as { constructor?: { name?: string } }).constructor?.name ?? 'an unknown class'}`,
    );
  }
}

// Buffer's own slicer, without toString's argument handling (Node has it on every Buffer). Typed by a
// cast rather than by augmenting Buffer: TypeScript 7 rejects an augmented Buffer as a Uint8Array.
type Utf8Slicer = { utf8Slice(start: number, end: number): string };

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new TypeError('wireCodec: frame ends in the middle of a value');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A count of items, each at least `min` bytes: refused when the bytes left cannot hold them. */
  count(min: number): number {
    const n = this.u32();
    if (n * min > this.buf.length - this.pos) throw new TypeError('wireCodec: a length exceeds the frame');
    return n;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const tag = this.u8();
    let n: number;
    if (tag === T_STR8) n = this.u8();
    else if (tag === T_STR32) n = this.u32();
    else throw new TypeError(`wireCodec: expected a string, got tag ${tag}`);
    this.need(n);
    const start = this.pos;
    this.pos += n;
    const buf = this.buf;
    if (n <= 16) {
      // Keys and tags are short ASCII: building them here beats a native call per string.
      let s = '';
      for (let i = start; i < start + n; i++) {
        const c = buf[i];
        if (c >= 0x80) return (buf as unknown as Utf8Slicer).utf8Slice(start, start + n);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return (buf as unknown as Utf8Slicer).utf8Slice(start, start + n);
  }

  raw(): Buffer {
    const n = this.u32();
    this.need(n);
    const start = this.pos;
    this.pos += n;
    return this.buf.subarray(start, start + n);
  }
}

function decodeValue(r: Reader, depth: number): unknown {
  const tag = r.u8();
  switch (tag) {
    case T_UNDEFINED:
      return undefined;
    case T_NULL:
      return null;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_INT8: {
      r.need(1);
      const v = r.buf.readInt8(r.pos);
      r.pos += 1;
      return v;
    }
    case T_INT32: {
      r.need(4);
      const v = r.buf.readInt32LE(r.pos);
      r.pos += 4;
      return v;
    }
    case T_FLOAT64:
      return r.f64();
    case T_STR8:
    case T_STR32:
      r.pos--;
      return r.string();
    default:
      if (depth >= MAX_DEPTH) throw new TypeError(`wireCodec: frame nested deeper than ${MAX_DEPTH} levels`);
      return decodeComposite(r, tag, depth + 1);
  }
}

function decodeComposite(r: Reader, tag: number, depth: number): unknown {
  switch (tag) {
    case T_ARRAY: {
      const n = r.count(1);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        if (r.buf[r.pos] === T_HOLE) r.pos++;
        else out[i] = decodeValue(r, depth);
      }
      return out;
    }
    case T_OBJECT: {
      const n = r.count(3);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const key = r.string();
        const v = decodeValue(r, depth);
        if (key === '__proto__') Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
        else out[key] = v;
      }
      return out;
    }
    case T_BIGINT: {
      const negative = r.u8() === 1;
      const hex = r.string();
      if (!/^[0-9a-f]+$/.test(hex)) throw new TypeError('wireCodec: malformed bigint');
      const v = BigInt(`0x${hex}`);
      return negative ? -v : v;
    }
    case T_DATE:
      return new Date(r.f64());
    case T_MAP: {
      const n = r.count(2);
      const out = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) {
        const k = decodeValue(r, depth);
        out.set(k, decodeValue(r, depth));
      }
      return out;
    }
    case T_SET: {
      const n = r.count(1);
      const out = new Set<unknown>();
      for (let i = 0; i < n; i++) out.add(decodeValue(r, depth));
      return out;
    }
    case T_REGEXP: {
      const source = r.string();
      return new RegExp(source, r.string());
    }
    case T_ARRAYBUFFER: {
      const bytes = r.raw();
      const copy = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(copy).set(bytes);
      return copy;
    }
    case T_VIEW: {
      const type = r.u8();
      const bytes = r.raw();
      // Copied: the frame's bytes belong to the NATS client's read buffer.
      if (type === BUFFER_VIEW) return Buffer.from(bytes);
      const ctor = VIEWS[type];
      if (ctor === undefined) throw new TypeError(`wireCodec: unknown view type ${type}`);
      const size = 'BYTES_PER_ELEMENT' in ctor ? ctor.BYTES_PER_ELEMENT : 1;
      if (bytes.byteLength % size !== 0) throw new TypeError('wireCodec: typed array length is not a multiple of its element size');
      const copy = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(copy).set(bytes);
      return ctor === DataView ? new DataView(copy) : new (ctor as ViewConstructor)(copy, 0, bytes.byteLength / size);
    }
    default:
      throw new TypeError(`wireCodec: unknown tag ${tag}`);
  }
}

const shared = new Writer();
let busy = false;
const VERSION = 1;

/**
 * The wire1 codec (see the top of this file).
 *
 * ```ts
 * wireCodec.decode(wireCodec.encode([1, 'join', new Map([['ann', 1n]])])); // an equal value
 * ```
 */
export const wireCodec: Codec = {
  name: 'wire1',
  encode(value) {
    // A getter on a plain object runs user code, which might encode too: it gets its own scratch.
    const writer = busy ? new Writer() : shared;
    const outer = !busy;
    busy = true;
    writer.pos = 0;
    try {
      writer.u8(VERSION);
      encodeValue(writer, value, 0);
      // A copy: the caller keeps the bytes (the NATS client queues them) while the scratch is reused.
      const out = Buffer.allocUnsafe(writer.pos);
      writer.buf.copy(out, 0, 0, writer.pos);
      return out;
    } finally {
      if (outer) busy = false;
      // One huge value must not keep a huge scratch buffer alive.
      if (writer.buf.length > 1 << 20) writer.buf = Buffer.allocUnsafeSlow(4096);
    }
  },
  decode(bytes) {
    const r = new Reader(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const version = r.u8();
    if (version !== VERSION) throw new TypeError(`wireCodec: unknown format version ${version}`);
    const value = decodeValue(r, 0);
    if (r.pos !== r.buf.length) throw new TypeError(`wireCodec: ${r.buf.length - r.pos} stray bytes after the value`);
    return value;
  },
};
