import { performance } from 'node:perf_hooks';
import { GenServer } from '../../lib';
import { Counter, startActor } from '../fixtures';
import { interleaved } from '../harness';
import { atLeastTimes, row, type Target, type Workload } from '../workload';

const BATCH = 64;

/** `callers` loops, each awaiting one call after another until the budget is spent; total calls/s. */
async function callsPerSecond(callers: number, budgetMs: number, call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  const deadline = start + budgetMs;
  let ops = 0;
  const caller = async (): Promise<void> => {
    do {
      for (let i = 0; i < BATCH; i++) await call();
      ops += BATCH;
    } while (performance.now() < deadline);
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return (ops * 1000) / (performance.now() - start);
}

/** Many callers, one server: the mailbox fills, and one drain answers a whole run of calls. */
export function concurrentCalls(callers: number, target: Target | undefined): Workload {
  return {
    key: `calls${callers}`,
    name: `calls, ${callers} callers -> 1 server`,
    async run(config) {
      const ref = await Counter.start(0);
      const actor = await startActor();
      try {
        const pair = await interleaved(
          (ms) => callsPerSecond(callers, ms, () => GenServer.call(ref, 'get')),
          (ms) => callsPerSecond(callers, ms, () => actor.call('get')),
          config,
        );
        return [row(this.key, this.name, 'ops/s', pair.ours, pair.base, target)];
      } finally {
        await GenServer.stop(ref);
        await actor.stop();
      }
    },
  };
}

export const calls8 = concurrentCalls(8, undefined);
export const calls64 = concurrentCalls(64, atLeastTimes(0.6));
