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
