// The lesson's hand-made GenericServer, built WITHOUT the library: a mailbox, a loop that receives
// one message at a time, `call` that sends a request with the caller's address and waits for the
// response, and callback modules that define `init` and `handleCall`. Everything the library does
// starts from this shape.
import { inspect } from 'node:util';

/** A process's mailbox: messages wait here until the owner receives them, one at a time, in order. */
class Mailbox<M> {
  private readonly messages: M[] = [];
  private waiting: ((message: M) => void) | undefined;

  send(message: M): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting(message);
    else this.messages.push(message);
  }

  receive(): Promise<M> {
    if (this.messages.length > 0) return Promise.resolve(this.messages.shift()!);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

/** The lesson's CallbackModule: the domain-specific part. */
interface CallbackModule<State> {
  init(): State;
  handleCall(request: unknown, state: State): [response: unknown, newState: State];
}

type Response = ['response', unknown];
type Request = [request: unknown, caller: Mailbox<Response>] | 'stop';
type Pid = Mailbox<Request>;

/** The generic part: spawn, loop, call. */
const GenericServer = {
  start<State>(callbackModule: CallbackModule<State>): Pid {
    const pid: Pid = new Mailbox();
    const initialState = callbackModule.init();
    void this.loop(pid, callbackModule, initialState); // "spawn": the loop runs on its own
    return pid;
  },

  async loop<State>(pid: Pid, callbackModule: CallbackModule<State>, currentState: State): Promise<void> {
    for (;;) {
      const message = await pid.receive();
      if (message === 'stop') return; // not in the lesson: lets the program end cleanly
      const [request, caller] = message;
      const [response, newState] = callbackModule.handleCall(request, currentState);
      caller.send(['response', response]);
      currentState = newState;
    }
  },

  async call(pid: Pid, request: unknown): Promise<unknown> {
    const self = new Mailbox<Response>(); // where the response comes back to
    pid.send([request, self]);
    const [, response] = await self.receive();
    return response;
  },

  stop(pid: Pid): void {
    pid.send('stop');
  },
};

// ---- callback modules ----------------------------------------------------------------------------

export const Counter: CallbackModule<number> = {
  init: () => 0,
  handleCall(request, state) {
    if (request !== 'increment') throw new Error(`Counter: no handleCall for ${inspect(request)}`);
    const newState = state + 1;
    const response = ['ok', newState];
    return [response, newState];
  },
};

export const AddableCounter: CallbackModule<number> = {
  init: () => 0,
  handleCall(request, state) {
    if (!Array.isArray(request) || request[0] !== 'add') throw new Error(`AddableCounter: no handleCall for ${inspect(request)}`);
    const newState = state + (request[1] as number);
    return [['ok', newState], newState];
  },
};

export const NoteBook: CallbackModule<string[]> = {
  init: () => [],
  handleCall(request, notes) {
    if (!Array.isArray(request) || request[0] !== 'add_note') throw new Error(`NoteBook: no handleCall for ${inspect(request)}`);
    const newNotes = [...notes, request[1] as string];
    return [['ok', newNotes], newNotes];
  },
};

const show = (value: unknown): string => inspect(value, { breakLength: Infinity });

export async function main(): Promise<void> {
  const counter = GenericServer.start(Counter);
  console.log('counter = GenericServer.start(Counter)');
  for (let i = 0; i < 3; i++) {
    console.log(`GenericServer.call(counter, 'increment') → ${show(await GenericServer.call(counter, 'increment'))}`);
  }
  GenericServer.stop(counter);

  const addCounter = GenericServer.start(AddableCounter);
  console.log('addCounter = GenericServer.start(AddableCounter)');
  console.log(`GenericServer.call(addCounter, ['add', 10]) → ${show(await GenericServer.call(addCounter, ['add', 10]))}`);
  console.log(`GenericServer.call(addCounter, ['add', 5]) → ${show(await GenericServer.call(addCounter, ['add', 5]))}`);
  GenericServer.stop(addCounter);

  const noteBook = GenericServer.start(NoteBook);
  console.log('noteBook = GenericServer.start(NoteBook)');
  console.log(
    `GenericServer.call(noteBook, ['add_note', 'new note 1']) → ${show(await GenericServer.call(noteBook, ['add_note', 'new note 1']))}`,
  );
  console.log(
    `GenericServer.call(noteBook, ['add_note', 'new note 2']) → ${show(await GenericServer.call(noteBook, ['add_note', 'new note 2']))}`,
  );
  GenericServer.stop(noteBook);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
