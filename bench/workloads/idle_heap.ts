import { GenServer, type ServerRef } from '../../lib';
import { Counter, startActor, type Actor } from '../fixtures';
import { collect, interleaved } from '../harness';
import { atMost, row, type Workload } from '../workload';

/**
 * Heap held per idle server: the heap after `n` servers were started (and collected), minus the
 * heap before, over n. The array holding the refs is allocated before the first reading, so only
 * what a server itself keeps is counted. Every server is stopped afterwards.
 */
async function bytesPerServer<T>(n: number, start: () => Promise<T>, stop: (server: T) => Promise<void>): Promise<number> {
  const held: (T | undefined)[] = [];
  for (let i = 0; i < n; i++) held.push(undefined);
  collect();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) held[i] = await start();
  collect();
  const after = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) await stop(held[i]!);
  return (after - before) / n;
}

export const idleHeap: Workload = {
  key: 'heap',
  name: 'heap per idle server',
  async run(config) {
    const n = config.quick ? 5_000 : 100_000;
    const pair = await interleaved(
      () =>
        bytesPerServer<ServerRef<Counter>>(
          n,
          () => Counter.start(0),
          (ref) => GenServer.stop(ref),
        ),
      () => bytesPerServer<Actor>(n, startActor, (actor) => actor.stop()),
      { ...config, rounds: Math.min(config.rounds, 3) },
    );
    return [row(this.key, `${this.name} (over ${n / 1000}k)`, 'B', pair.ours, pair.base, atMost(1024, '<= 1 KB'))];
  },
};
