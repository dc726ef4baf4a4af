import { performance } from 'node:perf_hooks';
import { GenServer } from '../../lib';
import { Counter, startActor } from '../fixtures';
import { collect } from '../harness';

/**
 * A long mailbox, filled while its server is held and then released, so that filling it (the
 * sender's synchronous loop) and draining it (the server's work) are measured apart. Our server is
 * held by an async call handler awaiting a gate; the baseline actor by `suspend()`.
 */

/** Generous: the last call waits behind the whole mailbox, and a slow machine must not time it out. */
const SYNC_TIMEOUT = 60_000;

export type CastTag = 'add' | 'spin';

export interface HeldServer {
  /** How long queueing the casts took. */
  readonly enqueueMs: number;
  /** Heap held per queued cast, when asked for (it costs two full collections on each side of the fill). */
  readonly bytesPerMessage: number | undefined;
  /** Lets the server drain; resolves to its count once every queued cast has been handled. */
  release(): Promise<unknown>;
  stop(): Promise<void>;
}

/** Runs `send`, timing it and, when `weigh`, measuring the heap it leaves behind per message. */
function fill(n: number, weigh: boolean, send: () => void): { enqueueMs: number; bytesPerMessage: number | undefined } {
  if (weigh) collect();
  const before = process.memoryUsage().heapUsed;
  const start = performance.now();
  send();
  const enqueueMs = performance.now() - start;
  if (!weigh) return { enqueueMs, bytesPerMessage: undefined };
  collect();
  return { enqueueMs, bytesPerMessage: (process.memoryUsage().heapUsed - before) / n };
}

export async function heldOurs(n: number, tag: CastTag, payload: number, weigh = false): Promise<HeldServer> {
  const ref = await Counter.start(0);
  let open: () => void = () => {};
  const held = GenServer.call(ref, 'hold', new Promise<void>((resolve) => (open = resolve)), SYNC_TIMEOUT);
  const filled = fill(n, weigh, () => {
    for (let i = 0; i < n; i++) GenServer.cast(ref, tag, payload);
  });
  const done = GenServer.call(ref, 'get', undefined, SYNC_TIMEOUT);
  return {
    ...filled,
    async release() {
      open();
      await held;
      return done;
    },
    stop: () => GenServer.stop(ref),
  };
}

export async function heldBase(n: number, tag: CastTag, payload: number, weigh = false): Promise<HeldServer> {
  const actor = await startActor();
  actor.suspend();
  const filled = fill(n, weigh, () => {
    for (let i = 0; i < n; i++) actor.cast(tag, payload);
  });
  const done = actor.call('get');
  return {
    ...filled,
    release() {
      actor.resume();
      return done;
    },
    stop: () => actor.stop(),
  };
}
