import { performance } from 'node:perf_hooks';
import { GenServer } from '../../lib';
import { Counter, startActor } from '../fixtures';
import { interleavedFigures, opsPerSecond, type Figures } from '../harness';
import { atLeastTimes, type Row, type Workload } from '../workload';

const BATCH = 100;
/** As many unrelated timers as the finding: each re-arms itself, so every turn fires them all. */
const TIMERS = 50_000;

/** `count` timers that re-arm themselves (setTimeout 0) until stopped: other code that fills every turn. */
function startTimers(count: number): { stop(): Promise<number> } {
  let running = true;
  let fired = 0;
  const fire = (): void => {
    fired++;
    if (running) setTimeout(fire, 0);
  };
  for (let i = 0; i < count; i++) setTimeout(fire, 0);
  return {
    async stop() {
      running = false;
      const n = fired;
      // Every timer fires once more without re-arming; after that turn none is left.
      await new Promise((resolve) => setTimeout(resolve, 5));
      return n;
    },
  };
}

/** Start + stop pairs/s without and then with the timers firing, and the timers' callbacks/s meanwhile. */
async function measure(budgetMs: number, count: number, pair: () => Promise<void>): Promise<Figures> {
  const batch = async (): Promise<number> => {
    for (let i = 0; i < BATCH; i++) await pair();
    return BATCH;
  };
  const quiet = await opsPerSecond(budgetMs / 2, batch);
  const timers = startTimers(count);
  // Let them fire once before timing, so every measured turn has them all.
  await new Promise((resolve) => setImmediate(resolve));
  const start = performance.now();
  const busy = await opsPerSecond(budgetMs / 2, batch);
  const seconds = (performance.now() - start) / 1000;
  const fired = await timers.stop();
  return { quiet, busy, fired: fired / seconds };
}

/**
 * Servers while other code fills every event-loop turn: start + stop pairs, one after another, while
 * 50 000 unrelated timers re-arm themselves each turn, against the same without them. The scheduler
 * must keep a fair share of the loop (target: at least half the quiet rate) and still yield: the
 * timers' callbacks per second are printed for both sides, and the bare actor, which never yields,
 * keeps its speed only by starving them.
 */
export const busyLoop: Workload = {
  key: 'timers',
  name: `start + stop while ${TIMERS / 1000}k unrelated timers fire`,
  async run(config) {
    const count = config.quick ? TIMERS / 10 : TIMERS;
    const pairs = await interleavedFigures(
      (ms) =>
        measure(ms, count, async () => {
          await GenServer.stop(await Counter.start(0));
        }),
      (ms) =>
        measure(ms, count, async () => {
          await (await startActor()).stop();
        }),
      config,
    );
    const name = `start + stop while ${count / 1000}k unrelated timers fire`;
    const rows: Row[] = [
      {
        key: 'timers_start_stop',
        name: `${name}, ours`,
        unit: 'ops/s',
        ours: pairs.busy.ours,
        reference: pairs.quiet.ours,
        referenceName: 'no timers',
        target: atLeastTimes(0.5, 'the same without timers'),
      },
      {
        key: 'timers_start_stop_base',
        name: `${name}, bare actor`,
        unit: 'ops/s',
        ours: pairs.busy.base,
        reference: pairs.quiet.base,
        referenceName: 'no timers',
        target: undefined,
      },
      {
        key: 'timers_fired',
        name: `timer callbacks run meanwhile (ours | bare actor)`,
        unit: 'ops/s',
        ours: pairs.fired.ours,
        reference: pairs.fired.base,
        referenceName: 'baseline',
        target: undefined,
      },
    ];
    return rows;
  },
};
