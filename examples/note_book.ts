// The lesson's "Your Turn": a NoteBook whose state starts as an empty list; `add_note` appends
// a note and answers `{:ok, notes}`, written here as `['ok', notes]`.
import { inspect } from 'node:util';
import { GenServer, handleCall, init, reply } from '../lib';

export class NoteBook extends GenServer<string[]> {
  @init
  setup() {
    return [];
  }

  @handleCall('add_note')
  addNote(note: string, notes: string[]) {
    const newNotes = [...notes, note];
    return reply(['ok', newNotes], newNotes);
  }
}

export async function main(): Promise<void> {
  const noteBook = await NoteBook.start();
  console.log('noteBook = await NoteBook.start()');
  const first = await GenServer.call(noteBook, 'add_note', 'new note 1');
  console.log(`await GenServer.call(noteBook, 'add_note', 'new note 1') → ${inspect(first)}`);
  const second = await GenServer.call(noteBook, 'add_note', 'new note 2');
  console.log(`await GenServer.call(noteBook, 'add_note', 'new note 2') → ${inspect(second)}`);
  await GenServer.stop(noteBook);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
