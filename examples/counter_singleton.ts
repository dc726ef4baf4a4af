// The lesson's CounterSingleton: a server named after its own module. `@singleton` makes
// `start`/`startLink` register the server under the class, so the class itself is the address:
// `GenServer.call(CounterSingleton, 'increment')`.
import { AlreadyStartedError, GenServer, handleCall, init, reply, singleton } from '../lib';

@singleton
export class CounterSingleton extends GenServer<number> {
  @init
  setup(_opts: unknown) {
    return 0;
  }

  @handleCall('increment')
  increment(_payload: void, state: number) {
    return reply(state + 1, state + 1);
  }
}

export async function main(): Promise<void> {
  const ref = await CounterSingleton.startLink([]);
  console.log('await CounterSingleton.startLink([])');
  console.log(`await GenServer.call(CounterSingleton, 'increment') → ${await GenServer.call(CounterSingleton, 'increment')}`);
  console.log(`await GenServer.call(CounterSingleton, 'increment') → ${await GenServer.call(CounterSingleton, 'increment')}`);
  console.log(`GenServer.whereis(CounterSingleton) === ref → ${GenServer.whereis(CounterSingleton) === ref}`);
  try {
    await CounterSingleton.startLink([]);
  } catch (error) {
    if (!(error instanceof AlreadyStartedError)) throw error;
    console.log(`a second CounterSingleton.startLink([]) rejects with ${error.name}`);
  }
  await GenServer.stop(CounterSingleton);
  console.log(`await GenServer.stop(CounterSingleton); GenServer.isAlive(CounterSingleton) → ${GenServer.isAlive(CounterSingleton)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
