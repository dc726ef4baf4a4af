import { performance } from 'node:perf_hooks';

/**
 * The runtime's time, and fake timers. Timers the runtime arms (`sendAfter`, idle timeouts, call
 * deadlines, start and stop timeouts) go through the global `setTimeout` at the moment they are armed,
 * so `@sinonjs/fake-timers` (which vitest and jest install too) controls them; the times they are
 * compared with must then come from the same fake clock, which hangs itself on the faked function as
 * `setTimeout.clock`. What the scheduler does for fairness (slicing by real time, yielding with
 * setImmediate) must never be faked, or a long drain would wait for a `clock.tick()` that never comes:
 * that part uses the native functions below.
 */

/** The part of a fake-timers clock the runtime reads. */
export interface FakeClock {
  readonly now: number;
  /** Monotonic fake time from 0 at install (unmoved by `setSystemTime`), when the platform has `performance`. */
  readonly performance?: { now(): number };
  clearTimeout(id: unknown): void;
  /** The originals the clock replaced (fake-timers keeps them as `_name`). */
  readonly _setTimeout?: typeof setTimeout;
  readonly _clearTimeout?: typeof clearTimeout;
  readonly _setImmediate?: typeof setImmediate;
}

type Faked = { readonly clock?: FakeClock };

// If fake timers were installed before this module loaded, the globals are fakes: take the originals
// from the clock. Fake-timers gives perf_hooks' `performance` an own `now`; the prototype's stays real.
const loadedClock = (setTimeout as Faked).clock;
/** setTimeout and clearTimeout as Node made them (the test kit waits on real time with them). */
export const nativeSetTimeout: typeof setTimeout = loadedClock?._setTimeout ?? setTimeout;
export const nativeClearTimeout: typeof clearTimeout = loadedClock?._clearTimeout ?? clearTimeout;
/** setImmediate as Node made it, whatever fake timers replace. */
export const nativeSetImmediate: typeof setImmediate = loadedClock?._setImmediate ?? setImmediate;
const perfNow = Object.getPrototypeOf(performance).now as (this: typeof performance) => number;

/** Real monotonic time (the performance.now() base), whatever fake timers replace. */
export function realNow(): number {
  return perfNow.call(performance);
}

const NativeTimeout = (() => {
  const t = nativeSetTimeout(() => undefined, 0);
  nativeClearTimeout(t);
  return t.constructor;
})();

/**
 * Clears a timer armed with the global setTimeout, by whoever armed it: a timer armed before fake
 * timers were installed is native, and the fake clearTimeout would only warn and leave it running.
 */
export function clearTimer(timer: NodeJS.Timeout | undefined): void {
  if (timer instanceof NativeTimeout) nativeClearTimeout(timer);
  else clearTimeout(timer);
}

/**
 * Where time comes from, read by deadlines.ts on every call (one object, so the hot path reads fields
 * rather than calling across modules).
 */
export const timeState = {
  /** The fake clock that arms timers now (the one whose setTimeout is installed), if any. */
  source: undefined as FakeClock | undefined,
  /** Added to the source's time so that time never steps back when the source changes. */
  offset: 0,
  /** The global setTimeout last seen without a fake clock: while it is installed, time is real. */
  realTimer: nativeSetTimeout as unknown,
};

const switchListeners: (() => void)[] = [];

/** Calls `fn` whenever fake timers have been installed or removed (seen at the next `now()`). */
export function onTimeSourceChange(fn: () => void): void {
  switchListeners.push(fn);
}

function read(clock: FakeClock | undefined): number {
  if (clock === undefined) return realNow();
  return clock.performance !== undefined ? clock.performance.now() : clock.now;
}

/**
 * The runtime's time in ms (the performance.now() base), exact: real time, or while fake timers are
 * installed, the fake clock's (plus an offset, so it goes on from where real time was).
 */
export function now(): number {
  const timer = setTimeout as Faked;
  const clock = timer.clock;
  const state = timeState;
  if (clock !== state.source) {
    // Going on from the old source's time, read now (an uninstalled fake clock still answers);
    // a whole number, so fake time stays in whole ms and a deadline fires on the exact tick.
    state.offset = Math.ceil(read(state.source) + state.offset - read(clock));
    state.source = clock;
    for (const fn of switchListeners) fn();
  }
  if (clock === undefined) state.realTimer = timer;
  return read(clock) + state.offset;
}
