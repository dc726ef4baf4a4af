// What each case checks, whatever runs it (node, tsx, vitest, node:test): a supervised, named Counter
// answers typed calls, crashes, is restarted from its start argument, and everything stops cleanly.
import { GenServer, Supervisor, setLogger, type Logger } from 'genserver-ts';
import { Counter } from './counter.js';

function check(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** Runs the scenario and resolves to a one-line summary; rejects on the first mismatch. */
export async function scenario(): Promise<string> {
  const errors: unknown[] = [];
  const quiet: Logger = { error: (...args: unknown[]) => errors.push(args), warn: () => {}, info: () => {} };
  const previous = setLogger(quiet);
  try {
    const sup = await Supervisor.start([{ id: 'counter', start: () => Counter.startLink(5, { name: 'counter' }) }], {
      strategy: 'one_for_one',
    });
    const first = GenServer.whereis<Counter>('counter');
    if (first === undefined) throw new Error('the counter is not registered');
    const sum: number = await GenServer.call(first, 'add', 10); // the reply type is inferred: number
    check('add', sum, 15);

    // The supervisor restarts the crashed child under the same name: wait for the new ref (5 s at most).
    GenServer.cast(first, 'crash');
    const restarted = new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const now = GenServer.whereis<Counter>('counter');
        if (now !== undefined && now !== first) {
          clearInterval(poll);
          resolve();
        } else if (Date.now() - started > 5000) {
          clearInterval(poll);
          reject(new Error('no restart within 5 s'));
        }
      }, 5);
    });
    await restarted;
    const second = GenServer.whereis<Counter>('counter')!;
    check('state after the restart', await GenServer.call(second, 'get'), 5);
    check('children', Supervisor.whichChildren(sup).length, 1);
    await GenServer.stop(sup);
    check('name freed', GenServer.whereis('counter'), undefined);
    check('crash reports', errors.length > 0, true);
    return `add=${sum}, restarted, stopped`;
  } finally {
    setLogger(previous);
  }
}
