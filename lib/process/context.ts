import type { Process } from './process';

/**
 * Which process is running code right now. Set around every synchronous stretch of a handler or
 * init, so `startLink` can link to its caller and `call` can refuse a call to oneself. After an
 * `await` inside a handler other processes may run, so the stretch after it is not attributed
 * (AsyncLocalStorage would, but it slows every promise in the program: see BENCHMARKS.md).
 */
export const context: { current: Process | undefined } = { current: undefined };
