// Runs every example in the order of the lesson: `npm run example`.
import { main as handMade } from './01_hand_made_generic_server';
import { main as counter } from './counter';
import { main as addableCounter } from './addable_counter';
import { main as noteBook } from './note_book';
import { main as simpleServer } from './simple_server';
import { main as counterServer } from './counter_server';
import { main as journal } from './journal';
import { main as counterClientAndServer } from './counter_client_and_server';
import { main as namedCounter } from './named_counter';
import { main as counterSingleton } from './counter_singleton';
import { main as tooManyMessages } from './too_many_messages';
import { main as chat } from './chat/app';
import { main as threads } from './threads/app';
import { main as wordCounts } from './word_counts';
import { main as pubsub } from './pubsub';

/** Each example: its file, what it shows, and its `main`. */
export const examples: ReadonlyArray<readonly [file: string, title: string, main: () => Promise<void>]> = [
  ['01_hand_made_generic_server.ts', 'a generic server by hand, without the library', handMade],
  ['counter.ts', 'Counter', counter],
  ['addable_counter.ts', 'AddableCounter: a call with a payload', addableCounter],
  ['note_book.ts', 'NoteBook', noteBook],
  ['simple_server.ts', 'SimpleServer: init only', simpleServer],
  ['counter_server.ts', 'CounterServer: reply(response, newState)', counterServer],
  ['journal.ts', 'Journal: newest entry first', journal],
  ['counter_client_and_server.ts', 'client functions as static methods', counterClientAndServer],
  ['named_counter.ts', 'name registration', namedCounter],
  ['counter_singleton.ts', '@singleton', counterSingleton],
  ['chat/app.ts', 'a supervision tree: a Registry of rooms, a DynamicSupervisor of Room servers, a Presence tracker', chat],
  ['threads/app.ts', 'beyond one thread: CPU-heavy servers on worker threads behind a PartitionSupervisor', threads],
  ['pubsub.ts', 'Registry as a local pub/sub: dispatch to the subscribers of a topic, filtered by a match spec', pubsub],
  ['word_counts.ts', 'Agent, Task.asyncStream and TaskSupervisor under a module-based supervisor', wordCounts],
  ['too_many_messages.ts', 'bonus: what happens when a GenServer gets too many messages', tooManyMessages],
];

export async function main(): Promise<void> {
  for (const [i, [file, title, run]] of examples.entries()) {
    if (i > 0) console.log('');
    console.log(`=== ${file}: ${title} ===`);
    await run();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
