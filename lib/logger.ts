/** Where the library reports crashes and dropped messages. Replace it with `setLogger`. */
export interface Logger {
  error(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
}

/** Writes to the console; the default. */
export const consoleLogger: Logger = {
  error: (message) => console.error(message),
  warn: (message) => console.warn(message),
  info: (message) => console.info(message),
};

let current: Logger = consoleLogger;

/**
 * Replaces the library's logger and returns the previous one, so it can be put back.
 *
 * ```ts
 * const previous = setLogger({ error() {}, warn() {}, info() {} }); // silence crash reports
 * // ...
 * setLogger(previous);
 * ```
 */
export function setLogger(logger: Logger): Logger {
  const previous = current;
  current = logger;
  return previous;
}

// The library logs from inside its scheduler, where an exception would escape into a microtask and
// end the Node process: a logger that throws is ignored instead.
function safely(level: keyof Logger, message: string, details?: Record<string, unknown>): void {
  try {
    current[level](message, details);
  } catch {
    // nothing sensible to do: the logger itself is what would report it
  }
  if (listeners.length > 0) {
    for (const listener of listeners) {
      try {
        listener(level, message, details);
      } catch {
        // a tool that listens must not break the library's logging
      }
    }
  }
}

/** @internal Sees every line the library logs, whatever logger the user set (the observer's crash log). */
export type LogListener = (level: keyof Logger, message: string, details: Record<string, unknown> | undefined) => void;

const listeners: LogListener[] = [];

/** @internal Adds a listener; returns the function that removes it. */
export function listenToLogs(listener: LogListener): () => void {
  listeners.push(listener);
  return () => {
    const i = listeners.indexOf(listener);
    if (i >= 0) listeners.splice(i, 1);
  };
}

const safe: Logger = {
  error: (message, details) => safely('error', message, details),
  warn: (message, details) => safely('warn', message, details),
  info: (message, details) => safely('info', message, details),
};

/** The logger the library writes to: the current one, made safe (a throwing logger is ignored). */
export function logger(): Logger {
  return safe;
}
