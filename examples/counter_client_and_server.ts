// The lesson's CounterClientAndServer: client functions and server callbacks in one class.
// Callers use `CounterClientAndServer.increment(counter)` and never see the message tag.
// `startLink` is inherited from GenServer and starts `this` class (Elixir's `__MODULE__`), so
// it needs no wrapper.
import { GenServer, handleCall, init, reply, type ServerRef } from '../lib';

/** What the server accepts, with each reply's type: calls are checked against it when compiled. */
type Protocol = { calls: { increment: [payload: void, reply: number] } };

export class CounterClientAndServer extends GenServer<number, Protocol> {
  // ---- Client API (runs in the caller) ----

  static increment(counter: ServerRef<CounterClientAndServer>): Promise<number> {
    return GenServer.call(counter, 'increment'); // Promise<number>, from the protocol
  }

  // ---- Server callbacks (run in the server, one message at a time) ----

  @init
  setup(_opts: unknown) {
    return 0;
  }

  @handleCall('increment')
  handleIncrement(_payload: void, state: number) {
    const nextCount = state + 1;
    return reply(nextCount, nextCount);
  }
}

export async function main(): Promise<void> {
  const pid = await CounterClientAndServer.startLink([]);
  console.log('pid = await CounterClientAndServer.startLink([])');
  for (let i = 0; i < 3; i++) {
    console.log(`await CounterClientAndServer.increment(pid) → ${await CounterClientAndServer.increment(pid)}`);
  }
  await GenServer.stop(pid);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
