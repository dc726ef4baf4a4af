// Shared helpers for the behaviour specs. They use the public surface only.
import { GenServer, setLogger, type Logger, type ServerRef } from '../../lib';

/** Waits `ms` milliseconds. The timer is gone once the promise resolves, so nothing leaks. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise with its resolve function outside: a gate a test opens when it chooses. */
export interface Gate<T = void> {
  readonly promise: Promise<T>;
  open(value: T): void;
}

export function gate<T = void>(): Gate<T> {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * Resolves to what `promise` rejects with, and fails if it resolves instead:
 * `const error = await rejectionOf(GenServer.call(ref, 'nope'))`.
 */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`expected the promise to reject, but it resolved to ${String(value)}`);
}

/**
 * Stops, after each test of the enclosing `describe`, every server the test handed to `track` and
 * that is still alive, so a failing test never leaves servers (or a hanging mocha) behind.
 *
 * ```ts
 * const track = trackServers();
 * it('...', async () => { const ref = track(await Counter.start(0)); ... });
 * ```
 */
export function trackServers(): <R extends ServerRef | undefined>(ref: R) => R {
  const refs: ServerRef[] = [];
  afterEach(async () => {
    for (const ref of refs.splice(0).reverse()) {
      // Bounded: a server stuck in a handler of a failed test must not hang the hook.
      if (GenServer.isAlive(ref)) await GenServer.stop(ref, 'shutdown', 2000).catch(() => undefined);
    }
  });
  return (ref) => {
    if (ref !== undefined) refs.push(ref);
    return ref;
  };
}

export interface LogEntry {
  level: 'error' | 'warn' | 'info';
  message: string;
  details: Record<string, unknown> | undefined;
}

/**
 * Routes the library's logger into an array for each test of the enclosing `describe` (so expected
 * crash reports stay off the console) and puts the previous logger back after each test.
 * Call it after `trackServers()` so servers stopped by that hook still log into the capture.
 */
export function captureLogs(): LogEntry[] {
  const entries: LogEntry[] = [];
  let previous: Logger | undefined;
  const record = (level: LogEntry['level']) => (message: string, details?: Record<string, unknown>) => {
    entries.push({ level, message, details });
  };
  beforeEach(() => {
    entries.length = 0;
    previous = setLogger({ error: record('error'), warn: record('warn'), info: record('info') });
  });
  afterEach(() => {
    if (previous !== undefined) setLogger(previous);
    previous = undefined;
  });
  return entries;
}
