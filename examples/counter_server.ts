// The lesson's CounterServer: a handler always answers a call with `reply(response, newState)`
// (Elixir's `{:reply, response, new_state}`). Calling it a few times shows the state lives on
// in the server between calls.
import { inspect } from 'node:util';
import { GenServer, handleCall, init, reply } from '../lib';

export class CounterServer extends GenServer<number> {
  @init
  setup(_opts: unknown) {
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
  const pid = await CounterServer.startLink(0);
  console.log('pid = await CounterServer.startLink(0)');
  for (let i = 0; i < 3; i++) {
    console.log(`await GenServer.call(pid, 'increment') → ${inspect(await GenServer.call(pid, 'increment'))}`);
  }
  await GenServer.stop(pid);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
