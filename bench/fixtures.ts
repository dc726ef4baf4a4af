import { performance } from 'node:perf_hooks';
import { GenServer, handleCall, handleCast, noreply, reply } from '../lib';
import { MicroActor, type Behaviour } from './baseline_actor';

/**
 * The one server every workload runs, written twice: as a GenServer and as a baseline behaviour.
 * Its state is a count; `add` (cast) adds its payload, `get` (call) answers the count, and `spin`
 * (cast) busy-waits `payload` ms first, to stand for a handler that does real work.
 */
export class Counter extends GenServer<number> {
  @handleCall('get')
  get(_: unknown, n: number) {
    return reply(n, n);
  }

  @handleCast('add')
  add(k: number, n: number) {
    return noreply(n + k);
  }

  /** `get` as an async handler that awaits once: where the running server is tracked across awaits (context.ts), it runs tracked. */
  @handleCall('aget')
  async aget(_: unknown, n: number) {
    await undefined;
    return reply(n, n);
  }

  /** Answers once `gate` settles; meanwhile the mailbox fills (see workloads/held_mailbox.ts). */
  @handleCall('hold')
  async hold(gate: Promise<void>, n: number) {
    await gate;
    return reply(n, n);
  }

  @handleCast('spin')
  spin(ms: number, n: number) {
    busyWait(ms);
    return noreply(n + 1);
  }
}

export const counter: Behaviour<number> = {
  init: (arg) => arg as number,
  handleCall(tag, _payload, actor) {
    if (tag === 'get') return actor.state;
    throw new Error(`unknown call '${tag}'`);
  },
  handleCast(tag, payload, actor) {
    if (tag === 'add') actor.state += payload as number;
    else if (tag === 'spin') {
      busyWait(payload as number);
      actor.state += 1;
    }
  },
};

export type Actor = MicroActor<number>;

export function startActor(): Promise<Actor> {
  return MicroActor.start(counter, 0);
}

/** Holds the thread for `ms` (bounded: it reads the clock). */
export function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spinning on purpose: a handler that computes
  }
}
