import { nativeSetImmediate, realNow } from './clock';
import { STALE_MS, recordStale } from './stale';
import { Queue } from './queue';

/**
 * The run queue every process drains through. Work runs in microtasks, so a message costs no
 * event-loop turn (a macrotask per message, as setImmediate-based actors do, caps calls near BEAM's
 * speed); but once the current stretch of microtasks has run for its slice, the rest waits for
 * setImmediate, so timers and I/O run even while servers work through long queues.
 *
 * A slice is SLICE_MS on a quiet loop. On a busy one it is fair rather than fixed: after a yield, the
 * next slice also gets as much time as the rest of the program took before the servers got the loop
 * back (timer callbacks, I/O, other immediates), up to MAX_SLICE_MS. A fixed slice would let a
 * program whose turns are long (thousands of timers firing each turn) starve the servers to a few
 * percent of the loop; with the fair slice they keep at least about half of it, and on a quiet loop
 * nothing changes.
 *
 * The same module keeps a coarse clock: reading the real one costs ~45 ns, a third of a whole call,
 * so call deadlines read `coarseNow()`, which refreshes itself every few ticks and once per turn.
 * Both the slices and the coarse clock use real time and the native setImmediate: fake timers must
 * never stop the run queue (deadlines.ts moves to the fake clock by itself).
 */
export interface Runnable {
  scheduled: boolean;
  run(): void;
}

// A yielded slice is followed at once by the next turn's slice (setImmediate runs before the timers
// phase), so two slices can run back to back between timers: 4 ms keeps that under 10 ms.
const SLICE_MS = 4;
/** The longest a fair slice grows on a busy loop (it then takes at most this long in one go). */
const MAX_SLICE_MS = 50;
const MAX_CHECK_EVERY = 64;

const runQueue = new Queue<Runnable>(64);
// `queueMicrotask` wraps every callback in an AsyncResource (~80 ns); a reaction on a settled promise
// is a plain microtask (~30 ns). Same queue, same ordering.
const settled = Promise.resolve();
let flushQueued = false;
let flushing = false;

let now = realNow();
let fresh = false;
/** A deadline read `now` since the last refresh: if it turns out stale, that must be written down. */
let read = false;
let ticks = 0;
let checkEvery = MAX_CHECK_EVERY;
let sliceStart = now;
let yielding = false;
/** How long the current slice may run: SLICE_MS plus the rest of the program's share (see above). */
let sliceMs = SLICE_MS;
/** When the last slice ran out (yielding set), and how long others had the loop the time before. */
let yieldedAt = 0;
let lastGap = 0;

function refresh(): void {
  const t = realNow();
  if (read) noteStale(t);
  // Check the clock more often when messages are slow, less often when they are cheap, so a slow
  // handler cannot hold the loop for many checks' worth of messages.
  const spent = t - now;
  if (spent > 1) checkEvery = Math.max(1, checkEvery >> 2);
  else if (spent < 0.2 && checkEvery < MAX_CHECK_EVERY) checkEvery <<= 1;
  now = t;
  ticks = 0;
  if (!fresh) {
    fresh = true;
    sliceStart = t;
    // A new turn may bring slow handlers after cheap ones: start by checking the clock often.
    checkEvery = 4;
    nativeSetImmediate(newTurn);
  } else if (t - sliceStart > sliceMs) {
    yielding = true;
    yieldedAt = t;
  }
}

function noteStale(t: number): void {
  read = false;
  if (t - now > STALE_MS) recordStale(now, t);
}

function newTurn(): void {
  // Readings of `now` taken since the last refresh were taken by now at the latest.
  if (read) noteStale(realNow());
  fresh = false;
  if (yielding) {
    // The servers waited from yieldedAt until now while other code had the loop: the next slice
    // gets that much on top of its own. The smaller of the last two gaps, so that one garbage
    // collection or one descheduling of the whole process does not make the next slice long.
    const gap = realNow() - yieldedAt;
    sliceMs = SLICE_MS + Math.min(MAX_SLICE_MS - SLICE_MS, Math.max(0, Math.min(gap, lastGap)));
    lastGap = gap;
  } else {
    // The servers ran out of work in the last turn: nothing was waiting, so nothing to make up.
    sliceMs = SLICE_MS;
    lastGap = 0;
  }
  yielding = false;
  if (runQueue.length > 0 && !flushing) flush();
}

/** A real clock (performance.now() time base) that is at most a few operations or one turn stale. */
export function coarseNow(): number {
  if (!fresh || ++ticks >= checkEvery) refresh();
  read = true;
  return now;
}

/** Counts one handled message; true when the current slice is used up and work should wait. */
export function tick(): boolean {
  if (!fresh || ++ticks >= checkEvery) refresh();
  return yielding;
}

/**
 * How many messages a tight loop may handle before it reports them with `tickMany` (at least 1): a
 * loop over a long mailbox counts locally and reads the clock as often as `tick` would.
 */
export function ticksLeft(): number {
  return fresh && checkEvery > ticks ? checkEvery - ticks : 1;
}

/** Counts `n` handled messages at once (n >= 1); as `tick` otherwise. */
export function tickMany(n: number): boolean {
  ticks += n - 1;
  if (!fresh || ++ticks >= checkEvery) refresh();
  return yielding;
}

/** Puts a process on the run queue (once). */
export function schedule(p: Runnable): void {
  p.scheduled = true;
  runQueue.push(p);
  if (flushing || flushQueued) return;
  flushQueued = true;
  if (yielding) return; // newTurn() flushes
  settled.then(flush);
}

function flush(): void {
  flushQueued = false;
  if (yielding) return;
  flushing = true;
  try {
    while (runQueue.length > 0 && !yielding) {
      const p = runQueue.shift()!;
      p.scheduled = false;
      p.run();
    }
  } finally {
    flushing = false;
  }
  if (runQueue.length > 0 && !flushQueued) {
    flushQueued = true;
    if (!yielding) settled.then(flush);
  }
}
