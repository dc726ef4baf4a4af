import { Worker } from 'node:worker_threads';
import { GenServer, Node, type ServerRef } from '../../lib';
import { interleaved, opsPerSecond, stats } from '../harness';
import { atLeastTimes, row, type Row, type Workload } from '../workload';
import { ThreadBurner, ThreadCounter } from '../thread_servers';

// Across worker threads, against the floor of what a thread hop costs: a raw MessagePort echo
// (a worker that posts every message straight back), driven the same way as our calls.

const MODULES = [require.resolve('../thread_servers')];

/** A raw echo worker: one postMessage there and one back per round trip. */
class RawEcho {
  private readonly worker = new Worker(
    `const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));`,
    { eval: true },
  );
  private readonly waiting = new Map<number, () => void>();
  private last = 0;

  constructor() {
    this.worker.on('message', (m: [number, number, string]) => {
      const done = this.waiting.get(m[1]);
      this.waiting.delete(m[1]);
      done?.();
    });
  }

  call(): Promise<void> {
    const id = ++this.last;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage([1, id, 'get']);
    });
  }

  cast(): void {
    this.worker.postMessage([3, 0, 'add', 1]);
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Starts one thread with the bench servers (shared by the workloads of one run). */
let shared: Promise<string[]> | undefined;
function threads(): Promise<string[]> {
  return (shared ??= Node.startThreads(2, { modules: MODULES }));
}

export async function stopThreads(): Promise<void> {
  if (shared !== undefined) await Node.stopThreads();
  shared = undefined;
}

const SEQ_BATCH = 200;

export const threadCalls: Workload = {
  key: 'thread_seq',
  name: 'cross-thread calls, 1 caller (vs raw MessagePort round trip)',
  async run(config) {
    const [w1] = await threads();
    const ref = await ThreadCounter.start(0, { node: w1 });
    const raw = new RawEcho();
    try {
      const pair = await interleaved(
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < SEQ_BATCH; i++) await GenServer.call(ref, 'get');
            return SEQ_BATCH;
          }),
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < SEQ_BATCH; i++) await raw.call();
            return SEQ_BATCH;
          }),
        config,
      );
      return [row(this.key, this.name, 'ops/s', pair.ours, pair.base, atLeastTimes(0.8, 'raw MessagePort'))];
    } finally {
      await GenServer.stop(ref);
      await raw.stop();
    }
  },
};

export const threadCalls64: Workload = {
  key: 'thread_64',
  name: 'cross-thread calls, 64 in flight (vs raw pipelined MessagePort)',
  async run(config) {
    const [w1] = await threads();
    const ref = await ThreadCounter.start(0, { node: w1 });
    const raw = new RawEcho();
    const rounds = 20;
    try {
      const pair = await interleaved(
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let r = 0; r < rounds; r++) {
              const all: Promise<unknown>[] = [];
              for (let i = 0; i < 64; i++) all.push(GenServer.call(ref, 'get'));
              await Promise.all(all);
            }
            return 64 * rounds;
          }),
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let r = 0; r < rounds; r++) {
              const all: Promise<unknown>[] = [];
              for (let i = 0; i < 64; i++) all.push(raw.call());
              await Promise.all(all);
            }
            return 64 * rounds;
          }),
        config,
      );
      return [row(this.key, this.name, 'ops/s', pair.ours, pair.base, atLeastTimes(0.8, 'raw pipelined'))];
    } finally {
      await GenServer.stop(ref);
      await raw.stop();
    }
  },
};

const CAST_BATCH = 1000;

export const threadCasts: Workload = {
  key: 'thread_casts',
  name: 'cross-thread casts (1000, then 1 call to sync; vs raw posts + 1 round trip)',
  async run(config) {
    const [w1] = await threads();
    const ref = await ThreadCounter.start(0, { node: w1 });
    const raw = new RawEcho();
    try {
      const pair = await interleaved(
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < CAST_BATCH; i++) GenServer.cast(ref, 'add', 1);
            await GenServer.call(ref, 'get');
            return CAST_BATCH;
          }),
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < CAST_BATCH; i++) raw.cast();
            await raw.call();
            return CAST_BATCH;
          }),
        config,
      );
      return [row(this.key, this.name, 'ops/s', pair.ours, pair.base)];
    } finally {
      await GenServer.stop(ref);
      await raw.stop();
    }
  },
};

/** Calls kept in flight to each burner: enough that a thread never waits for work. */
const IN_FLIGHT = 4;

async function burn(refs: readonly ServerRef[], ms: number, workMs: number): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    refs.flatMap((ref) =>
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < end) {
          await GenServer.call(ref, 'burn', workMs, Infinity);
          done++;
        }
      }),
    ),
  );
  return (done * 1000) / (performance.now() - start);
}

export const threadScaling: Workload = {
  key: 'scaling',
  name: 'CPU-bound servers (1 ms per call): 4 servers over 2 threads vs on 1 thread',
  async run(config) {
    const [w1, w2] = await threads();
    const one = await Promise.all([0, 1, 2, 3].map(() => ThreadBurner.start(0, { node: w1 })));
    const two = await Promise.all([0, 1, 2, 3].map((i) => ThreadBurner.start(0, { node: i % 2 ? w2 : w1 })));
    try {
      const pair = await interleaved(
        (ms) => burn(two, ms, 1),
        (ms) => burn(one, ms, 1),
        config,
      );
      const rows: Row[] = [row(this.key, this.name, 'ops/s', pair.ours, pair.base, atLeastTimes(1.7, '1 thread'))];
      void stats;
      return rows;
    } finally {
      await Promise.all([...one, ...two].map((r) => GenServer.stop(r)));
      await stopThreads();
    }
  },
};
