import { DefaultDeserializer, serialize } from 'node:v8';

/**
 * A byte codec: how a transport that moves bytes (NATS) turns the node layer's frames into bytes and
 * back. The node layer hands it *wire values* only (see transport.ts): primitives (bigint and
 * undefined included), plain objects, arrays, Map, Set, Date, RegExp, ArrayBuffer, typed arrays and
 * DataView, with refs, errors and the like already turned into tagged plain objects. A codec must
 * round-trip exactly those, unchanged.
 *
 * A codec that decodes bytes from the network must never run code and never change a prototype: a
 * key named `__proto__` or `constructor` arrives as an ordinary own property. `decode` throws on
 * bytes it cannot read; the transport then drops the frame and logs it.
 *
 * ```ts
 * await Node.connect({ name: 'api-1', servers: 'nats://127.0.0.1:4222', codec: jsonCodec });
 * ```
 *
 * Default: {@link v8Codec}, chosen by `npm run bench -- --only=codec` over `wireCodec`
 * (codec_wire.ts), msgpackr and JSON (figures in the README); `jsonCodec` (codec_json.ts) is the
 * readable one.
 */
export interface Codec {
  /** For logs and for the hello every node sends: nodes with different codecs cannot talk. */
  readonly name: string;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/**
 * V8's own serializer (`node:v8` serialize/deserialize): the structured clone algorithm in bytes, so
 * it carries exactly what a worker thread's MessagePort carries — the same values cross a machine
 * boundary as cross a thread boundary. Deserializing builds data only: no getters, setters or
 * constructors of user classes run, and object keys become own data properties (`__proto__`
 * included), so no prototype changes.
 */
export const v8Codec: Codec = {
  name: 'v8',
  encode: (value) => serialize(value),
  decode(bytes) {
    const reader = new CopyingDeserializer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    // readHeader throws on a wrong or missing version: malformed bytes end here as an Error.
    reader.readHeader();
    return reader.readValue();
  },
};

// Node's deserializer hands out typed arrays that are views into the frame's buffer (and the
// frame's buffer is the NATS client's read buffer): a receiver reading `view.buffer` would see
// other bytes, and one small array would keep the whole frame alive. Each one gets its own
// ArrayBuffer here, as structured clone gives it between threads.
const VIEW_TYPES = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  DataView,
  Buffer,
  BigInt64Array,
  BigUint64Array,
] as const;

type ViewConstructor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;

class CopyingDeserializer extends DefaultDeserializer {
  // Node calls this for each host object (not in its typings); the layout is what Node's
  // DefaultSerializer writes: type index, byte length, raw bytes.
  _readHostObject(): unknown {
    const type = this.readUint32();
    const ctor = VIEW_TYPES[type];
    if (ctor === undefined) throw new TypeError(`v8Codec: unknown host object type ${type}`);
    const length = this.readUint32();
    const bytes = this.readRawBytes(length) as Buffer;
    if (ctor === Buffer) return Buffer.from(bytes);
    const size = 'BYTES_PER_ELEMENT' in ctor ? ctor.BYTES_PER_ELEMENT : 1;
    if (length % size !== 0) throw new TypeError('v8Codec: typed array length is not a multiple of its element size');
    const copy = new ArrayBuffer(length);
    new Uint8Array(copy).set(bytes);
    return ctor === DataView ? new DataView(copy) : new (ctor as ViewConstructor)(copy, 0, length / size);
  }
}
