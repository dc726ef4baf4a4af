import { monitorEventLoopDelay } from 'node:perf_hooks';
import { expectEqual, interleaved, sleep } from '../harness';
import { atMost, row, type Workload } from '../workload';
import { heldBase, heldOurs, type CastTag, type HeldServer } from './held_mailbox';

/**
 * The longest the event loop waits while one server drains a long mailbox. The mailbox is filled
 * while the server is held (that loop is the sender's block, not the server's); the histogram is
 * enabled after, and ticks a few times before the server is released, because its first tick only
 * starts the clock. A short sleep after the drain lets a block that lasted to its end be recorded.
 * With resolution 1 ms an unblocked loop reads about 1 ms.
 */
async function longestBlockMs(n: number, hold: () => Promise<HeldServer>): Promise<number> {
  const server = await hold();
  try {
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    await sleep(3);
    expectEqual('messages drained', await server.release(), n);
    await sleep(5);
    histogram.disable();
    return histogram.max / 1e6;
  } finally {
    await server.stop();
  }
}

function eventLoopBlock(key: string, name: string, count: (quick: boolean) => number, tag: CastTag, payload: number): Workload {
  return {
    key,
    name,
    async run(config) {
      const n = count(config.quick);
      const pair = await interleaved(
        () => longestBlockMs(n, () => heldOurs(n, tag, payload)),
        () => longestBlockMs(n, () => heldBase(n, tag, payload)),
        { ...config, rounds: Math.min(config.rounds, 3) },
      );
      return [row(key, `${name} (${n / 1000}k msgs)`, 'ms', pair.ours, pair.base, atMost(10, '<= 10 ms'))];
    },
  };
}

export const eventLoopCheap = eventLoopBlock(
  'loop',
  'event-loop max block, draining casts',
  (quick) => (quick ? 100_000 : 1_000_000),
  'add',
  1,
);

/** Handlers of 0.2 ms each: the slice must be checked by time, not only every so many messages. */
export const eventLoopSlow = eventLoopBlock(
  'loop_slow',
  'event-loop max block, 0.2 ms handlers',
  (quick) => (quick ? 200 : 2_500),
  'spin',
  0.2,
);
