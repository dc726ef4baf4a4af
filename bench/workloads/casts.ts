import { GenServer } from '../../lib';
import { Counter, startActor } from '../fixtures';
import { expectEqual, interleaved, opsPerSecond } from '../harness';
import { atLeastTimes, row, type Workload } from '../workload';

const BATCH = 1000;

/** Casts in bursts of 1000, each burst followed by one call that waits for the burst: casts/s. */
export const casts: Workload = {
  key: 'casts',
  name: 'casts (1000, then 1 call to sync)',
  async run(config) {
    const ref = await Counter.start(0);
    const actor = await startActor();
    let sentOurs = 0;
    let sentBase = 0;
    try {
      const pair = await interleaved(
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < BATCH; i++) GenServer.cast(ref, 'add', 1);
            sentOurs += BATCH;
            await GenServer.call(ref, 'get');
            return BATCH;
          }),
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < BATCH; i++) actor.cast('add', 1);
            sentBase += BATCH;
            await actor.call('get');
            return BATCH;
          }),
        config,
      );
      expectEqual('casts handled by our server', await GenServer.call(ref, 'get'), sentOurs);
      expectEqual('casts handled by the baseline actor', await actor.call('get'), sentBase);
      return [row(this.key, this.name, 'ops/s', pair.ours, pair.base, atLeastTimes(0.5))];
    } finally {
      await GenServer.stop(ref);
      await actor.stop();
    }
  },
};
