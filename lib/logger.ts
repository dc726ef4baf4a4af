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

/** The logger in use now. */
export function logger(): Logger {
  return current;
}
