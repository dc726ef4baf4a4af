// Servers the cross-thread benchmarks run on worker threads (the threads load this module).
import { GenServer, handleCall, handleCast, reply, noreply } from '../lib';

export class ThreadCounter extends GenServer<number> {
  @handleCall('get') get(_: void, n: number) {
    return reply(n, n);
  }
  @handleCast('add') add(k: number, n: number) {
    return noreply(n + k);
  }
}

/** CPU-bound: each call burns `ms` of CPU, as a handler doing real work would. */
export class ThreadBurner extends GenServer<number> {
  @handleCall('burn') burn(ms: number, n: number) {
    const end = performance.now() + ms;
    let x = 0;
    while (performance.now() < end) x++;
    return reply(x > 0 ? n + 1 : n, n + 1);
  }
}
