import { GenServer } from '../../lib';
import { Counter, startActor } from '../fixtures';
import { interleaved, opsPerSecond } from '../harness';
import { atLeastTimes, row, type Workload } from '../workload';

const BATCH = 1000;

/**
 * One caller awaiting one call after another: the round trip itself. Our calls keep the default
 * 5000 ms timeout, so its deadline bookkeeping is part of the figure; the baseline has none.
 */
export const sequentialCalls: Workload = {
  key: 'seq',
  name: 'sequential calls, 1 caller (5 s timeout armed)',
  async run(config) {
    const ref = await Counter.start(0);
    const actor = await startActor();
    try {
      const pair = await interleaved(
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < BATCH; i++) await GenServer.call(ref, 'get');
            return BATCH;
          }),
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < BATCH; i++) await actor.call('get');
            return BATCH;
          }),
        config,
      );
      return [row(this.key, this.name, 'ops/s', pair.ours, pair.base, atLeastTimes(0.7))];
    } finally {
      await GenServer.stop(ref);
      await actor.stop();
    }
  },
};
