import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GenServer, Registry, init, type ServerRef } from '../../lib';
import { expectEqual, interleaved, sleep } from '../harness';
import type { Target, Workload } from '../workload';

/** A member registers itself under `key` in `@init`: a subscriber of a pub/sub topic. */
class Member extends GenServer<undefined> {
  @init
  setup({ reg, key }: { reg: ServerRef; key: unknown }) {
    Registry.register(reg, key);
    return undefined;
  }
}

/**
 * The longest event-loop block while `n` registered members exit at once (all killed in one
 * loop, as when the server they are linked to crashes), then the registry takes in their exits.
 * `key(i)` decides the grouping: one duplicate key for all (a topic with n subscribers), or a key
 * each (the reference: nothing to search). Entries must be gone when it ends.
 */
async function longestBlockMs(n: number, keys: 'unique' | 'duplicate'): Promise<number> {
  const reg = await Registry.start({ keys });
  try {
    const members: ServerRef[] = [];
    for (let i = 0; i < n; i++) members.push(await Member.start({ reg, key: keys === 'duplicate' ? 'topic' : i }));
    expectEqual('entries registered', Registry.count(reg), n);
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    await sleep(3);
    for (const ref of members) GenServer.exit(ref, 'kill');
    // Let the registry handle whatever the exits sent it, then let the histogram see the end.
    await GenServer.getState(reg, 60_000);
    await sleep(5);
    histogram.disable();
    expectEqual('entries left', Registry.count(reg), 0);
    return histogram.max / 1e6;
  } finally {
    await GenServer.stop(reg);
  }
}

/** Within twice the unique-key figure (+10 ms of timer noise): removal is O(1) per exit. */
const nearUnique: Target = { text: '<= 2 x unique keys + 10 ms', met: (ours, ref) => ref !== undefined && ours <= 2 * ref + 10 };

/**
 * A duplicate-key group of 20 k and 40 k members exiting: the event loop's longest block, against
 * the same number of members under unique keys. Linear removal keeps 40 k at about twice 20 k.
 */
export const registryExits: Workload = {
  key: 'registry_exits',
  name: 'registry: a duplicate-key group exiting, longest event-loop block',
  async run(config) {
    const sizes = config.quick ? [2_000, 4_000] : [20_000, 40_000];
    const rows = [];
    for (const n of sizes) {
      const pair = await interleaved(
        () => longestBlockMs(n, 'duplicate'),
        () => longestBlockMs(n, 'unique'),
        { ...config, rounds: Math.min(config.rounds, 3) },
      );
      rows.push({
        key: `${this.key}_${n / 1000}k`,
        name: `registry: ${n / 1000}k members of one duplicate key exiting, longest block`,
        unit: 'ms' as const,
        ours: pair.ours,
        reference: pair.base,
        referenceName: 'unique keys' as const,
        target: nearUnique,
      });
    }
    return rows;
  },
};
