import type { Codec } from './codec';

/**
 * JSON with tags for what JSON cannot say: a readable alternative to the default codec (frames
 * can be read with `nats sub` and by non-Node tools), slower and larger for binary data. Every
 * wire value round-trips: `undefined`, bigint, NaN/±Infinity/-0, Date, RegExp, Map, Set,
 * ArrayBuffer, typed arrays and DataView become objects with a `~` tag; a user object that has a
 * `~` key of its own is escaped, so nothing is mistaken for a tag.
 *
 * Decoding parses with `JSON.parse` (which makes every key an own data property) and rebuilds
 * tagged values without ever assigning through `__proto__`, so no prototype changes.
 *
 * ```ts
 * await Node.connect({ name: 'api-1', servers, codec: jsonCodec });
 * ```
 */
export const jsonCodec: Codec = {
  name: 'json',
  encode: (value) => Buffer.from(JSON.stringify(toJson(value))),
  decode: (bytes) => fromJson(JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))),
};

const TAG = '~';

type TypedArrayConstructor = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => ArrayBufferView;

// Only these constructors can be named by a frame: a decoded name never reaches arbitrary code.
const VIEWS: Record<string, TypedArrayConstructor & { BYTES_PER_ELEMENT?: number }> = {
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
  Buffer: Uint8Array,
};

function base64(view: ArrayBufferView | ArrayBuffer): string {
  const bytes = view instanceof ArrayBuffer ? Buffer.from(view) : Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  return bytes.toString('base64');
}

function toJson(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { [TAG]: 'f', v: String(value === 0 ? '-0' : value) };
    case 'undefined':
      return { [TAG]: 'u' };
    case 'bigint':
      return { [TAG]: 'n', v: value.toString() };
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) out[i] = toJson(value[i]);
        return out;
      }
      if (value instanceof Date) return { [TAG]: 'd', v: value.getTime() };
      if (value instanceof Map) return { [TAG]: 'm', v: [...value].map(([k, v]) => [toJson(k), toJson(v)]) };
      if (value instanceof Set) return { [TAG]: 's', v: [...value].map(toJson) };
      if (value instanceof RegExp) return { [TAG]: 'r', v: value.source, f: value.flags };
      if (value instanceof ArrayBuffer) return { [TAG]: 'ab', v: base64(value) };
      if (ArrayBuffer.isView(value)) {
        const name = Buffer.isBuffer(value) ? 'Buffer' : value.constructor.name;
        return { [TAG]: 't', c: name, v: base64(value) };
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) define(out, key, toJson((value as Record<string, unknown>)[key]));
      return Object.hasOwn(out, TAG) ? { [TAG]: 'o', v: out } : out;
    }
    default:
      throw new TypeError(`jsonCodec cannot encode a ${typeof value}`);
  }
}

// Plain assignment of a key named __proto__ would set the prototype: define it as an own property.
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function bytesOf(text: unknown): Buffer {
  if (typeof text !== 'string') throw new TypeError('jsonCodec: malformed binary value');
  return Buffer.from(text, 'base64');
}

function fromJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = fromJson(value[i]);
    return value;
  }
  const object = value as Record<string, unknown>;
  if (!Object.hasOwn(object, TAG)) {
    for (const key of Object.keys(object)) define(object, key, fromJson(object[key]));
    return object;
  }
  const v = object.v;
  switch (object[TAG]) {
    case 'u':
      return undefined;
    case 'f':
      return v === '-0' ? -0 : Number(v);
    case 'n':
      if (typeof v !== 'string') throw new TypeError('jsonCodec: malformed bigint');
      return BigInt(v);
    case 'd':
      return new Date(typeof v === 'number' ? v : NaN);
    case 'm':
      if (!Array.isArray(v)) throw new TypeError('jsonCodec: malformed Map');
      return new Map(
        v.map((entry: unknown) => {
          if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError('jsonCodec: malformed Map entry');
          return [fromJson(entry[0]), fromJson(entry[1])] as const;
        }),
      );
    case 's':
      if (!Array.isArray(v)) throw new TypeError('jsonCodec: malformed Set');
      return new Set(v.map(fromJson));
    case 'r':
      if (typeof v !== 'string' || typeof object.f !== 'string') throw new TypeError('jsonCodec: malformed RegExp');
      return new RegExp(v, object.f);
    case 'ab': {
      const bytes = bytesOf(v);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    }
    case 't': {
      const ctor = typeof object.c === 'string' && Object.hasOwn(VIEWS, object.c) ? VIEWS[object.c] : undefined;
      if (ctor === undefined) throw new TypeError(`jsonCodec: unknown typed array ${String(object.c)}`);
      const bytes = bytesOf(v);
      if (object.c === 'Buffer') return bytes;
      const size = ctor.BYTES_PER_ELEMENT ?? 1;
      if (bytes.byteLength % size !== 0) throw new TypeError('jsonCodec: malformed typed array length');
      const copy = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(copy).set(bytes);
      return ctor === DataView ? new DataView(copy) : new ctor(copy, 0, bytes.byteLength / size);
    }
    case 'o': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError('jsonCodec: malformed escaped object');
      const inner = v as Record<string, unknown>;
      for (const key of Object.keys(inner)) define(inner, key, fromJson(inner[key]));
      return inner;
    }
    default:
      throw new TypeError(`jsonCodec: unknown tag ${JSON.stringify(object[TAG])}`);
  }
}
