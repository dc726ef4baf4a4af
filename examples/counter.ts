// The lesson's Counter, now a GenServer: the library is the GenericServer (mailbox, loop, call),
// the class is the callback module. `@init` gives the initial state; `@handleCall('increment')`
// answers with `reply(response, newState)`.
import { inspect } from 'node:util';
import { GenServer, handleCall, init, reply } from '../lib';

export class Counter extends GenServer<number> {
  @init
  setup() {
    return 0;
  }

  @handleCall('increment')
  increment(_payload: void, state: number) {
    const newState = state + 1;
    const response = ['ok', newState];
    return reply(response, newState);
  }
}

export async function main(): Promise<void> {
  const counter = await Counter.start();
  console.log('counter = await Counter.start()');
  for (let i = 0; i < 3; i++) {
    const response = await GenServer.call(counter, 'increment');
    console.log(`await GenServer.call(counter, 'increment') → ${inspect(response)}`);
  }
  await GenServer.stop(counter);
  console.log(`await GenServer.stop(counter); GenServer.isAlive(counter) → ${GenServer.isAlive(counter)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
