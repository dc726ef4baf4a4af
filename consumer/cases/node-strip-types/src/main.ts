// A server in one file, run by Node itself with no compiler: Node strips the types but not decorators.
import { GenServer, handleCall, init, reply } from 'genserver-ts';

class Counter extends GenServer<number> {
  @init
  setup(start: number) {
    return start;
  }

  @handleCall('get')
  get(_: void, n: number) {
    return reply(n, n);
  }
}

const ref = await Counter.start(7);
const n = await GenServer.call(ref, 'get');
await GenServer.stop(ref);
console.log(`consumer ok (node ${process.versions.node}): get=${String(n)}`);
