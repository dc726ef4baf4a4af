import { setLogger, type Logger } from '../logger';

/** One line the library logged: crash reports are 'error', dropped messages 'warn', traces 'info'. */
export interface LogEntry {
  readonly level: 'error' | 'warn' | 'info';
  readonly message: string;
  /** What the library attached: `server`, `reason`, `tag`, … */
  readonly details: Record<string, unknown> | undefined;
}

/** A capture in progress: `entries` fills up until `stop()` puts the previous logger back. */
export interface LogCapture {
  readonly entries: readonly LogEntry[];
  /** Puts back the logger that was there before; returns the entries. Idempotent. */
  stop(): LogEntry[];
}

/**
 * Routes the library's logger into `entries` (a new array, or the one given, which is appended to)
 * until `stop()`: for hooks that capture a whole block of tests. Captures nest when they stop in
 * reverse order.
 *
 * ```ts
 * const logs: LogEntry[] = [];
 * let capture: LogCapture;
 * beforeEach(() => { logs.length = 0; capture = startLogCapture(logs); });
 * afterEach(() => capture.stop());
 * ```
 */
export function startLogCapture(entries: LogEntry[] = []): LogCapture {
  const record = (level: LogEntry['level']) => (message: string, details?: Record<string, unknown>) => {
    entries.push({ level, message, details });
  };
  let previous: Logger | undefined = setLogger({ error: record('error'), warn: record('warn'), info: record('info') });
  return {
    entries,
    stop() {
      if (previous !== undefined) setLogger(previous);
      previous = undefined;
      return entries;
    },
  };
}

/**
 * Runs `fn` (awaited) with the library's logger captured, and resolves to what it logged (ExUnit's
 * `capture_log`): expected crash reports stay off the console and can be asserted on. The previous
 * logger is back afterwards, also when `fn` throws (then the promise rejects with that error).
 *
 * ```ts
 * const logs = await captureLogs(async () => {
 *   await rejectionOf(GenServer.call(ref, 'crash'));
 * });
 * expect(logs.some((l) => l.level === 'error' && l.message.includes('crashed'))).to.equal(true);
 * ```
 */
export async function captureLogs(fn: () => unknown): Promise<LogEntry[]> {
  if (typeof fn !== 'function') throw new TypeError(`Expected \`fn\` to be a function, got \`${String(fn)}\` (${typeof fn})`);
  const capture = startLogCapture();
  try {
    await fn();
  } finally {
    capture.stop();
  }
  return capture.stop();
}
