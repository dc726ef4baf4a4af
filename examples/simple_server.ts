// The lesson's SimpleServer: only an init, which ignores its argument and starts the state at 0.
// `startLink` is Elixir's start_link; outside any server (as here) it is plain `start`.
// A server without handlers still fails loudly: a call it cannot answer rejects with
// UnknownMessageError, and the server keeps running.
import { GenServer, init, UnknownMessageError } from '../lib';

export class SimpleServer extends GenServer<number> {
  @init
  setup(_opts: unknown) {
    return 0;
  }
}

export async function main(): Promise<void> {
  const pid = await SimpleServer.startLink([]);
  console.log('pid = await SimpleServer.startLink([])');
  console.log(`GenServer.isAlive(pid) → ${GenServer.isAlive(pid)}`);
  try {
    await GenServer.call(pid, 'increment');
  } catch (error) {
    if (!(error instanceof UnknownMessageError)) throw error;
    console.log(
      `await GenServer.call(pid, 'increment') rejects with ${error.name} (tag '${error.tag}', accepted calls: ${error.accepted.length})`,
    );
  }
  console.log(`GenServer.isAlive(pid) → ${GenServer.isAlive(pid)}`);
  await GenServer.stop(pid);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
