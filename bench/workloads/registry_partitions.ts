import { GenServer, Registry, handleCall, init, reply, type ServerRef } from '../../lib';
import { expectEqual, interleaved, opsPerSecond } from '../harness';
import type { Row, Workload } from '../workload';

const BATCH = 100;

/** Registers and unregisters `BATCH` keys in one handler: registry writes need a running server. */
class Churner extends GenServer<ServerRef> {
  @init
  setup(reg: ServerRef) {
    return reg;
  }

  @handleCall('churn')
  churn(round: number, reg: ServerRef) {
    for (let i = 0; i < BATCH; i++) Registry.register(reg, `key:${round}:${i}`, i);
    for (let i = 0; i < BATCH; i++) Registry.unregister(reg, `key:${round}:${i}`);
    return reply(BATCH, reg);
  }
}

/**
 * One op: a register and an unregister (from a server), a lookup and a dispatch, against a registry
 * holding 1 000 entries, with `partitions` tables. Partitions buy nothing in one event loop; this
 * says what they cost (the README's claim).
 */
async function measure(keys: 'unique' | 'duplicate', partitions: number, budgetMs: number): Promise<number> {
  const reg = await Registry.start({ keys, partitions });
  const members: ServerRef[] = [];
  try {
    for (let i = 0; i < 10; i++) members.push(await Churner.start(reg));
    for (const m of members) await GenServer.call(m, 'churn', -1); // warm the handler
    // 1 000 standing entries: 100 keys held by 10 servers in a duplicate registry, 1 000 keys in a unique one.
    class Holder extends GenServer<null> {
      @init
      setup(n: number) {
        for (let i = 0; i < 100; i++) Registry.register(reg, keys === 'unique' ? `standing:${n}:${i}` : `standing:${i}`, i);
        return null;
      }
    }
    for (let n = 0; n < 10; n++) members.push(await Holder.start(n));
    expectEqual('standing entries', Registry.count(reg), 1000);
    let round = 0;
    let sink = 0;
    const rate = await opsPerSecond(budgetMs, async () => {
      round++;
      await GenServer.call(members[round % 10], 'churn', round);
      for (let i = 0; i < BATCH; i++) {
        const key = keys === 'unique' ? `standing:${i % 10}:${i}` : `standing:${i}`;
        sink += Registry.lookup(reg, key).length;
        Registry.dispatch(reg, key, (entries) => {
          sink += entries.length;
        });
      }
      return BATCH;
    });
    if (sink === 0) throw new Error('nothing looked up');
    return rate;
  } finally {
    for (const m of members) await GenServer.stop(m);
    await GenServer.stop(reg);
  }
}

/** 8 partitions against 1, interleaved, for both kinds of registry. */
export const registryPartitions: Workload = {
  key: 'registry_partitions',
  name: 'registry: register + unregister + lookup + dispatch, 8 partitions against 1',
  async run(config) {
    const rows: Row[] = [];
    for (const keys of ['unique', 'duplicate'] as const) {
      const pair = await interleaved(
        (ms) => measure(keys, 8, ms),
        (ms) => measure(keys, 1, ms),
        config,
      );
      rows.push({
        key: `${this.key}_${keys}`,
        name: `registry (${keys} keys): register + unregister + lookup + dispatch, 8 partitions`,
        unit: 'ops/s',
        ours: pair.ours,
        reference: pair.base,
        referenceName: '1 partition',
        target: undefined,
      });
    }
    return rows;
  },
};
