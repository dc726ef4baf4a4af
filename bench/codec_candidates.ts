import { Packr } from 'msgpackr';
import type { Codec } from '../lib/node/codec';
import { jsonCodec } from '../lib/node/codec_json';
import { v8Codec } from '../lib/node/codec';
import { wireCodec } from '../lib/node/codec_wire';

/**
 * The codecs measured for the NATS transport (issue: cluster, item 5), and the payloads they are
 * measured on: the frames a cluster sends most (a small call and its reply), a record with the
 * types JSON lacks, the markers for refs and errors, a list, and binary data.
 */

// msgpackr with records and structured-clone types (Map, Set, Date, typed arrays, undefined, bigint).
const packr = new Packr({ useRecords: true, structuredClone: true, moreTypes: true, useBigIntExtension: true, copyBuffers: true });
export const msgpackrCodec: Codec = {
  name: 'msgpackr (records)',
  encode: (value) => packr.pack(value),
  decode: (bytes) => packr.unpack(bytes),
};

// The default first: the workload's rows are its figures.
export const candidates: readonly Codec[] = [v8Codec, wireCodec, msgpackrCodec, jsonCodec];

const ref = (id: number) => ({ $: 'ref', node: 'api-1', inc: 1733050000123, id, cls: 'Room' });
const error = {
  $: 'error',
  class: 'UnknownMessageError',
  message: 'GenServer Room received a call with tag `leave` but has no @handleCall for it (it accepts: join, say, who)',
  stack:
    'UnknownMessageError: GenServer Room received a call ...\n    at Room.dispatch (lib/behaviours/gen_server.ts:211:13)\n    at Process.run (lib/process/process.ts:180:7)',
  fields: { server: ref(7), tag: 'leave' },
};

export const payloads: readonly { readonly name: string; readonly value: unknown }[] = [
  { name: 'small call frame', value: [1, 42, 'room:lobby', 'join', 'ann', 0, 1733050000123] },
  { name: 'small reply frame', value: [2, 42, 0, { ok: true, members: ['ann', 'bob', 'cy'], count: 3 }, 0] },
  {
    name: 'record with Map/Set/Date/BigInt/undefined',
    value: [
      3,
      'session:9',
      'update',
      {
        id: 9,
        user: 'ann',
        started: new Date(1733050000123),
        seen: new Set(['lobby', 'dev']),
        scores: new Map([
          ['lobby', 12],
          ['dev', 3],
        ]),
        bytesIn: 12345678901234567890n,
        nick: undefined,
      },
      0,
      1733050000123,
    ],
  },
  { name: 'refs and an error marker', value: [2, 43, 1, error, 1] },
  {
    name: 'list of 100 records',
    value: [
      2,
      44,
      0,
      Array.from({ length: 100 }, (_, i) => ({ from: `user${i % 7}`, text: `message number ${i}`, at: new Date(1733050000123 + i) })),
      0,
    ],
  },
  { name: '16 KB Uint8Array', value: [4, 'blob', 'chunk', Uint8Array.from({ length: 16384 }, (_, i) => i & 255), 0, 1] },
];
