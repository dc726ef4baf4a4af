// Status constants and the thenable test, shared by the process, its start (init.ts) and its exit
// (exit.ts). They live apart from process.ts so those files need not import it back (no import cycle).

export const STARTING = 0;
export const RUNNING = 1;
export const TERMINATING = 2;
export const DEAD = 3;
export const STATUS_NAMES = ['starting', 'running', 'terminating', 'dead'] as const;
export type StatusName = (typeof STATUS_NAMES)[number];

/** True for a value with a `then` method; false (not a throw) for one whose `then` cannot be read. */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  if (typeof x !== 'object' || x === null) return false;
  try {
    return typeof (x as PromiseLike<unknown>).then === 'function';
  } catch {
    return false;
  }
}
