// The lesson's NamedCounter: started under a name, so callers need no ref. Starting a second
// server under a name a live server holds rejects with AlreadyStartedError, whose `ref` is the
// holder. The name is freed when the server exits.
import { AlreadyStartedError, GenServer, handleCall, init, reply } from '../lib';

export class NamedCounter extends GenServer<number> {
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
  const ref = await NamedCounter.startLink([], { name: 'my_counter' });
  console.log("await NamedCounter.startLink([], { name: 'my_counter' })");
  try {
    await NamedCounter.startLink([], { name: 'my_counter' });
  } catch (error) {
    if (!(error instanceof AlreadyStartedError)) throw error;
    console.log(
      `again → rejects with ${error.name}: serverName '${String(error.serverName)}', ref is the running server: ${error.ref === ref}`,
    );
  }
  console.log(`await GenServer.call('my_counter', 'increment') → ${await GenServer.call('my_counter', 'increment')}`);
  console.log(`await GenServer.call('my_counter', 'increment') → ${await GenServer.call('my_counter', 'increment')}`);
  console.log(`GenServer.whereis('my_counter') === ref → ${GenServer.whereis('my_counter') === ref}`);
  await GenServer.stop('my_counter');
  console.log(`await GenServer.stop('my_counter'); GenServer.whereis('my_counter') → ${GenServer.whereis('my_counter')}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
