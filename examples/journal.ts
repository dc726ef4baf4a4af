// The lesson's Journal: every entry is kept in the state and the whole list is the response,
// newest entry first (Elixir's `[message | entries]`).
import { inspect } from 'node:util';
import { GenServer, handleCall, init, reply } from '../lib';

export class Journal extends GenServer<string[]> {
  @init
  setup(_opts: unknown) {
    return [];
  }

  @handleCall('add_entry')
  addEntry(message: string, entries: string[]) {
    const newEntries = [message, ...entries];
    return reply(newEntries, newEntries);
  }
}

export async function main(): Promise<void> {
  const journal = await Journal.startLink([]);
  console.log('journal = await Journal.startLink([])');
  console.log(
    `await GenServer.call(journal, 'add_entry', 'first entry') → ${inspect(await GenServer.call(journal, 'add_entry', 'first entry'))}`,
  );
  console.log(
    `await GenServer.call(journal, 'add_entry', 'second entry') → ${inspect(await GenServer.call(journal, 'add_entry', 'second entry'))}`,
  );
  await GenServer.stop(journal);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
