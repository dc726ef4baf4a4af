import { GenServer } from '../../lib';
import { Counter, startActor } from '../fixtures';
import { interleaved, opsPerSecond } from '../harness';
import { atLeastTimes, row, type Workload } from '../workload';

const BATCH = 100;

/** Start a server, await it, stop it, await its exit; one after another: pairs/s. */
export const startStop: Workload = {
  key: 'start_stop',
  name: 'start + stop',
  async run(config) {
    const pair = await interleaved(
      (ms) =>
        opsPerSecond(ms, async () => {
          for (let i = 0; i < BATCH; i++) await GenServer.stop(await Counter.start(0));
          return BATCH;
        }),
      (ms) =>
        opsPerSecond(ms, async () => {
          for (let i = 0; i < BATCH; i++) await (await startActor()).stop();
          return BATCH;
        }),
      config,
    );
    return [row(this.key, this.name, 'ops/s', pair.ours, pair.base, atLeastTimes(0.5))];
  },
};
