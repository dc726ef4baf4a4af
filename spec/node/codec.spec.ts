import { expect } from 'chai';
import { isDeepStrictEqual } from 'node:util';
import type { Codec } from '../../lib/node/codec';
import { v8Codec } from '../../lib/node/codec';
import { jsonCodec } from '../../lib/node/codec_json';
import { wireCodec } from '../../lib/node/codec_wire';

// The byte codecs of the NATS transport. Each must carry every wire value (transport.ts) unchanged,
// and must treat bytes from the network as data: no code runs, no prototype changes, and bytes it
// cannot read are refused with an error (which the transport turns into a logged drop).

const ref = { $: 'ref', node: 'api-1', inc: 1733050000123, id: 7, cls: 'Room' };
const errorMarker = {
  $: 'error',
  class: 'UnknownMessageError',
  message: 'no handler for `leave`',
  stack: 'UnknownMessageError: ...\n    at x (y.ts:1:1)',
  fields: { server: ref, tag: 'leave' },
};

const samples: readonly [string, unknown][] = [
  ['a small call frame', [1, 42, 'room:lobby', 'join', 'ann', 0, 1733050000123]],
  [
    'numbers at the edges',
    [0, -0, 1, -1, 127, -128, 128, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, 1.5, NaN, Infinity, -Infinity, Number.MIN_VALUE],
  ],
  ['strings: empty, unicode, long', ['', 'é', '日本語 😀', 'x'.repeat(85), 'y'.repeat(86), 'ü'.repeat(1000), 'z'.repeat(70_000)]],
  ['undefined, null, booleans', [undefined, null, true, false, { a: undefined }]],
  ['bigints', [0n, 1n, -1n, 2n ** 64n, -(2n ** 200n) + 7n]],
  ['Dates', [new Date(0), new Date(1733050000123), new Date(-1)]],
  [
    'Map and Set with any keys',
    [
      new Map<unknown, unknown>([
        ['a', 1],
        [2, new Set([1n, 'x'])],
        [undefined, null],
      ]),
      new Set([new Date(5), [1, 2]]),
    ],
  ],
  [
    'typed arrays, Buffer, ArrayBuffer, DataView',
    [
      Uint8Array.from([1, 2, 255]),
      new Int8Array([-1]),
      new Uint8ClampedArray([9]),
      new Int16Array([-300]),
      new Uint16Array([65535]),
      new Int32Array([-5]),
      new Uint32Array([5]),
      new Float32Array([1.5]),
      new Float64Array([Math.PI]),
      new BigInt64Array([-3n]),
      new BigUint64Array([3n]),
      new DataView(Uint8Array.from([1, 2, 3]).buffer),
      Buffer.from('hi'),
      Uint8Array.from([4, 5, 6]).buffer,
    ],
  ],
  ['a RegExp', [/a+b/giu]],
  ['refs and error markers', [2, 43, 1, errorMarker, 1, [ref, ref]]],
  ['an escaped user object with a $ key', { $: 'obj', value: { $: 'mine', '~': 'tilde' } }],
  ['an object with no prototype', Object.assign(Object.create(null) as object, { a: 1 })],
  [
    'nested plain data',
    { user: { name: 'ann', tags: ['a', 'b'], profile: { age: 3, nick: undefined } }, list: Array.from({ length: 50 }, (_, i) => ({ i })) },
  ],
];

function hostile(): Record<string, unknown> {
  // Built the way a hostile peer would send it: own keys named __proto__ and constructor.
  return JSON.parse(
    '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "inner": {"__proto__": {"x": 1}}}',
  );
}

for (const codec of [wireCodec, v8Codec, jsonCodec] as Codec[]) {
  describe(`codec ${codec.name}`, () => {
    for (const [what, value] of samples) {
      it(`round-trips ${what}`, () => {
        const back = codec.decode(codec.encode(value));
        expect(
          isDeepStrictEqual(back, value) ||
            (Object.getPrototypeOf(value) === null && isDeepStrictEqual({ ...(back as object) }, { ...(value as object) })),
          `got ${require('node:util').inspect(back)}`,
        ).to.equal(true);
      });
    }

    it('round-trips an invalid Date as an invalid Date', () => {
      const back = codec.decode(codec.encode([new Date(NaN)])) as Date[];
      expect(back[0]).to.be.instanceOf(Date);
      expect(Number.isNaN(back[0].getTime())).to.equal(true);
    });

    it('keeps the element type of every typed array and gives it its own buffer', () => {
      const view = new Uint16Array([1, 2, 3]);
      const back = codec.decode(codec.encode([1, view, 'tail'])) as [number, Uint16Array, string];
      expect(back[1]).to.be.instanceOf(Uint16Array);
      expect(back[1].byteOffset).to.equal(0);
      expect(back[1].buffer.byteLength).to.equal(6);
    });

    it('decodes keys named __proto__ and constructor as own data, never changing a prototype', () => {
      const back = codec.decode(codec.encode(hostile())) as Record<string, unknown>;
      expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
      expect(Object.hasOwn(back, '__proto__')).to.equal(true);
      expect(Object.hasOwn(back, 'constructor')).to.equal(true);
      expect((back as { polluted?: unknown }).polluted).to.equal(undefined);
      expect(Object.getPrototypeOf(back.inner)).to.equal(Object.prototype);
      expect(({} as { polluted?: unknown; x?: unknown }).polluted).to.equal(undefined);
      expect(isDeepStrictEqual(back, hostile())).to.equal(true);
    });

    it('refuses bytes it cannot read with an error, for truncated and random frames', () => {
      const good = codec.encode(samples[0][1]);
      for (const bad of [new Uint8Array(0), good.subarray(0, good.byteLength - 1), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff])]) {
        expect(() => codec.decode(bad)).to.throw(Error);
      }
      // Random bytes either fail to decode or decode to data; they never throw a non-Error or hang.
      let seed = 7;
      for (let i = 0; i < 2000; i++) {
        const bytes = new Uint8Array(1 + (i % 40));
        for (let j = 0; j < bytes.length; j++) bytes[j] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 255;
        if (i % 2 === 0) bytes.set(good.subarray(0, Math.min(good.byteLength, bytes.length >> 1)));
        try {
          codec.decode(bytes);
        } catch (error) {
          expect(error).to.be.instanceOf(Error);
        }
      }
    });

    it('refuses a function or a symbol at the sender', () => {
      expect(() => codec.encode([() => 1])).to.throw();
      expect(() => codec.encode([Symbol('s')])).to.throw();
    });
  });
}

describe('codec wire1', () => {
  it('refuses a length that the frame cannot hold before allocating it', () => {
    // version 1, T_ARRAY, count 0xffffffff: four billion items announced in six bytes.
    expect(() => wireCodec.decode(Uint8Array.from([1, 9, 0xff, 0xff, 0xff, 0xff]))).to.throw(TypeError, /length exceeds/);
    expect(() => wireCodec.decode(Uint8Array.from([1, 8, 0xff, 0xff, 0xff, 0x7f]))).to.throw(TypeError);
  });

  it('refuses a class instance instead of sending it as a plain object', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    expect(() => wireCodec.encode([new Point(1)])).to.throw(TypeError, /Point/);
  });

  it('refuses a cycle with a TypeError instead of overflowing the stack', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(() => wireCodec.encode(a)).to.throw(TypeError, /nested deeper/);
    // and the shared scratch buffer still works afterwards
    expect(wireCodec.decode(wireCodec.encode(['ok']))).to.deep.equal(['ok']);
  });

  it('survives a getter that encodes while an encode is under way', () => {
    const value = {
      get inner() {
        return wireCodec.decode(wireCodec.encode(['nested']));
      },
      after: 'x',
    };
    expect(wireCodec.decode(wireCodec.encode(value))).to.deep.equal({ inner: ['nested'], after: 'x' });
  });

  it('keeps array holes', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what this spec sends
    const back = wireCodec.decode(wireCodec.encode([1, , 3])) as unknown[];
    expect(1 in back).to.equal(false);
    expect(back.length).to.equal(3);
  });
});
