import { GenServer } from '../../lib';
import { tracksAwait } from '../../lib/process/context';
import { Counter, startActor } from '../fixtures';
import { interleaved, opsPerSecond } from '../harness';
import { row, type Workload } from '../workload';

const BATCH = 1000;

/**
 * One caller, one call after another, to an async handler that awaits once. Where the running server
 * is tracked across awaits (AsyncLocalStorage on AsyncContextFrame: Node 24, Node 22 with
 * --experimental-async-context-frame), the handler runs tracked; GENSERVER_ASYNC_CONTEXT=off turns
 * tracking off, so two runs of this workload give its cost. The baseline answers a plain sync call.
 */
export const asyncCalls: Workload = {
  key: 'async_seq',
  name: `sequential calls to an async handler (await tracking ${tracksAwait ? 'on' : 'off'})`,
  async run(config) {
    const ref = await Counter.start(0);
    const actor = await startActor();
    try {
      const pair = await interleaved(
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < BATCH; i++) await GenServer.call(ref, 'aget');
            return BATCH;
          }),
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < BATCH; i++) await actor.call('get');
            return BATCH;
          }),
        config,
      );
      return [row(this.key, this.name, 'ops/s', pair.ours, pair.base)];
    } finally {
      await GenServer.stop(ref);
      await actor.stop();
    }
  },
};
