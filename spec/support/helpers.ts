// Shared helpers for the behaviour specs. They use the public surface only.
import { GenServer, type ServerRef } from '../../lib';
import { cleanup, onExit, startLogCapture, type LogCapture, type LogEntry } from '../../lib/testing';

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

// What users need lives in the test kit; these spec-only helpers build on it.
export { rejectionOf } from '../../lib/testing';

/**
 * Stops, after each test of the enclosing `describe`, every server the test handed to `track` and
 * that is still alive, so a failing test never leaves servers (or a hanging mocha) behind. Runs the
 * kit's `cleanup` in the describe's own afterEach (before `captureLogs()` puts the logger back), so
 * what `startSupervised` started stops there too.
 *
 * ```ts
 * const track = trackServers();
 * it('...', async () => { const ref = track(await Counter.start(0)); ... });
 * ```
 */
export function trackServers(): <R extends ServerRef | undefined>(ref: R) => R {
  afterEach(cleanup);
  return (ref) => {
    // Bounded: a server stuck in a handler of a failed test must not hang the hook.
    if (ref !== undefined)
      onExit(() => (GenServer.isAlive(ref) ? GenServer.stop(ref, 'shutdown', 2000).catch(() => undefined) : undefined));
    return ref;
  };
}

export type { LogEntry } from '../../lib/testing';

/**
 * Routes the library's logger into an array for each test of the enclosing `describe` (so expected
 * crash reports stay off the console) and puts the previous logger back after each test.
 * Call it after `trackServers()` so servers stopped by that hook still log into the capture.
 */
export function captureLogs(): LogEntry[] {
  const entries: LogEntry[] = [];
  let capture: LogCapture | undefined;
  beforeEach(() => {
    entries.length = 0;
    capture = startLogCapture(entries);
  });
  afterEach(() => {
    capture?.stop();
    capture = undefined;
  });
  return entries;
}
