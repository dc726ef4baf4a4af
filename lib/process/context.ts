import { AsyncLocalStorage } from 'node:async_hooks';
import type { Process } from './process';

/**
 * Which process is running code right now, so `startLink` can link to its caller and `call` or
 * `stop` can refuse a call to oneself.
 *
 * `context.current` is set around every synchronous stretch of a handler, init or terminate: free,
 * and exact until the first `await`. After an `await` other processes may have run, so the rest of
 * an `async` handler is known only through AsyncLocalStorage. That is cheap where AsyncLocalStorage
 * is backed by AsyncContextFrame (Node 24; Node 22 with --experimental-async-context-frame), and
 * there `async` handlers, inits and terminates run inside it. On Node 20 (and 22 without the flag)
 * it is built on async hooks, which make every promise in the program ~3× slower: there it is not
 * used, and the code after an `await` is not attributed (see README, "After an await").
 */
export const context: { current: Process | undefined } = { current: undefined };

/** One run of an async handler, init or terminate; its process is busy with it until it settles. */
export interface Invocation {
  readonly proc: Process;
}

/** True where the running server is known after an `await` too (AsyncLocalStorage on AsyncContextFrame). */
export const tracksAwait: boolean =
  process.env.GENSERVER_ASYNC_CONTEXT === 'off'
    ? false
    : typeof (AsyncLocalStorage.prototype as { _propagate?: unknown })._propagate !== 'function';

const storage = tracksAwait ? new AsyncLocalStorage<Invocation>() : undefined;

const AsyncFunction = (async () => undefined).constructor;

/** True when `fn` should run tracked: context tracking is on and fn is an `async` function. */
export function tracked(fn: Function): boolean {
  return storage !== undefined && fn.constructor === AsyncFunction;
}

/**
 * Calls the async `fn` on `self` inside the async context, as `proc`'s code; `proc.invocation` names
 * this run until the process has taken its result (then it is cleared). The caller sets
 * `context.current` around it as for any handler.
 */
export function runTracked(proc: Process, fn: Function, self: unknown, a: unknown, b?: unknown, c?: unknown): unknown {
  const invocation: Invocation = { proc };
  proc.invocation = invocation;
  return storage!.run(invocation, () => fn.call(self, a, b, c));
}

/** The process whose code is running: its synchronous stretch, or (where tracked) its async handler. */
export function currentProcess(): Process | undefined {
  return context.current ?? storage?.getStore()?.proc;
}

/**
 * True when the code running is `proc`'s own handler, init or terminate, still in flight after an
 * `await`: a call or stop to `proc` from there could never be answered.
 */
export function isOwnAwaitingCode(proc: Process): boolean {
  if (storage === undefined || proc.invocation === undefined) return false;
  return storage.getStore() === proc.invocation;
}
