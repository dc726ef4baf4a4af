// The server every consumer case runs: decorators, a typed protocol, and a crash for the supervisor
// to heal. Written as an app author would, against the package's public entry only.
import { GenServer, handleCall, handleCast, init, reply } from 'genserver-ts';

export type CounterProtocol = {
  init: number;
  calls: {
    add: [payload: number, reply: number];
    get: [payload: void, reply: number];
  };
  casts: { crash: void };
};

export class Counter extends GenServer<number, CounterProtocol> {
  @init
  setup(start: number) {
    return start;
  }

  @handleCall('add')
  add(n: number, sum: number) {
    return reply(sum + n, sum + n);
  }

  @handleCall('get')
  get(_: void, sum: number) {
    return reply(sum, sum);
  }

  @handleCast('crash')
  crash(): never {
    throw new Error('crashed on purpose');
  }
}
