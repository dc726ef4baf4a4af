/**
 * What the coarse clock (scheduler.ts) knows about its own staleness, while time is real (clock.ts).
 *
 * A coarse reading can be a whole synchronous stretch old: code that runs 1.5 s without handing a
 * message to the scheduler leaves it 1.5 s behind. A deadline stamped from it would expire that much
 * early, so the scheduler writes down every stretch longer than STALE_MS during which a reading was
 * taken (`[from, to]`: readings of `from` were taken by `to` at the latest), and a deadline that looks
 * expired checks here whether its stamp came from such a stretch (see deadlines.ts).
 */

/** Staleness a deadline's stamp absorbs by itself (deadlines add it); longer stretches are recorded. */
export const STALE_MS = 1;

// Pairs [from, to], in the order recorded (so `from` ascends).
const stale: number[] = [];
let pruneAt = 256;
let oldestPending: (() => number) | undefined;

/** Records that readings of `from` may have been taken as late as `to`. */
export function recordStale(from: number, to: number): void {
  stale.push(from, to);
  if (stale.length >= pruneAt) {
    if (oldestPending !== undefined) pruneStale(oldestPending());
    pruneAt = Math.max(256, stale.length * 2);
  }
}

/** Registers how to learn the oldest reading a pending deadline still depends on (for pruning). */
export function setOldestPending(fn: () => number): void {
  oldestPending = fn;
}

/** Forgets the stretches that no pending deadline was stamped in (readings before `oldest`). */
export function pruneStale(oldest: number): void {
  let i = 0;
  while (i < stale.length && stale[i + 1] < oldest) i += 2;
  if (i > 0) stale.splice(0, i);
}

/** The latest real time a reading in [low, high] may have been taken at, or undefined if none was stale. */
export function latestReading(low: number, high: number): number | undefined {
  // Binary search for the first stretch with from >= low.
  let lo = 0;
  let hi = stale.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (stale[mid * 2] < low) lo = mid + 1;
    else hi = mid;
  }
  let latest: number | undefined;
  for (let i = lo * 2; i < stale.length && stale[i] <= high; i += 2) latest = stale[i + 1];
  return latest;
}

/** The number of recorded stretches (for specs and the bench). */
export function staleCount(): number {
  return stale.length >> 1;
}
