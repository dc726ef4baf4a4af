// The lesson's AddableCounter: a call carries a payload. Where Elixir sends `{:add, 10}`, a call
// here takes the tag and the payload apart: `GenServer.call(ref, 'add', 10)`, and the handler
// receives `(payload, state)`.
import { inspect } from 'node:util';
import { GenServer, handleCall, init, reply } from '../lib';

export class AddableCounter extends GenServer<number> {
  @init
  setup() {
    return 0;
  }

  @handleCall('add')
  add(payload: number, state: number) {
    const newState = state + payload;
    return reply(['ok', newState], newState);
  }
}

export async function main(): Promise<void> {
  const addCounter = await AddableCounter.start();
  console.log('addCounter = await AddableCounter.start()');
  console.log(`await GenServer.call(addCounter, 'add', 10) → ${inspect(await GenServer.call(addCounter, 'add', 10))}`);
  console.log(`await GenServer.call(addCounter, 'add', 5) → ${inspect(await GenServer.call(addCounter, 'add', 5))}`);
  await GenServer.stop(addCounter);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
