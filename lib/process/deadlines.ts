import { MAX_DELAY } from './delay';
import { STALE_MS, clockNow, latestReading, pruneStale, setOldestPending } from './clock';
import { coarseNow } from './scheduler';

/**
 * Call deadlines, without a setTimeout per call (that alone cuts call throughput ~4×).
 * Deadlines of one duration expire in the order they were set, so each duration keeps a doubly
 * linked FIFO list: O(1) to add, O(1) to remove on reply, and a single timer armed at its head.
 * A list that stays empty for a turn is dropped with its timer, so neither a finished program nor
 * a stream of distinct timeouts keeps anything.
 *
 * Stamps come from the coarse clock, which may be stale after a long synchronous stretch; a head
 * that looks expired is checked against the stretches the clock recorded (clock.ts), so a deadline
 * never expires early. Durations above setTimeout's limit (2^31-1 ms) re-arm until they are due.
 */
export interface DeadlineNode {
  expires: number;
  prev: DeadlineNode | undefined;
  next: DeadlineNode | undefined;
  list: DeadlineList | undefined;
  /** Called once when the deadline passes; the node is already unlinked. */
  expire(duration: number): void;
}

export class DeadlineList {
  head: DeadlineNode | undefined = undefined;
  tail: DeadlineNode | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  idleQueued = false;

  constructor(readonly duration: number) {}

  add(node: DeadlineNode): void {
    // A whole number keeps `expires` a small integer in every Message (a double would be boxed).
    // STALE_MS absorbs a reading that is up to that stale; staler ones are recorded (clock.ts).
    node.expires = Math.ceil(coarseNow() + this.duration + STALE_MS);
    node.list = this;
    node.next = undefined;
    node.prev = this.tail;
    if (this.tail) this.tail.next = node;
    else {
      this.head = node;
      if (this.timer === undefined) this.arm(node.expires - coarseNow());
    }
    this.tail = node;
  }

  remove(node: DeadlineNode): void {
    const { prev, next } = node;
    if (prev) prev.next = next;
    else this.head = next;
    if (next) next.prev = prev;
    else this.tail = prev;
    node.list = node.prev = node.next = undefined;
    if (this.head === undefined && !this.idleQueued) {
      this.idleQueued = true;
      idle.push(this);
      if (idle.length === 1) setImmediate(releaseIdle);
    }
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.fire, Math.min(MAX_DELAY, Math.max(1, Math.ceil(ms))));
  }

  private fire = (): void => {
    this.timer = undefined;
    const t = clockNow();
    let node = this.head;
    while (node !== undefined && node.expires <= t) {
      // Stamped from a stale reading? Then it is due only `duration` after the latest time it was taken.
      const base = node.expires - this.duration - STALE_MS;
      const latest = latestReading(base - 1 - EPSILON, base + EPSILON);
      if (latest !== undefined && latest + this.duration > t) {
        node.expires = Math.ceil(latest + this.duration);
        break;
      }
      this.remove(node);
      node.expire(this.duration);
      node = this.head;
    }
    if (node !== undefined) this.arm(node.expires - t);
  };
}

// Stamps are ceil'd: a reading r gives ceil(r + d + STALE_MS), so r lies within 1 ms below the base.
const EPSILON = 1e-6;

const lists = new Map<number, DeadlineList>();
const idle: DeadlineList[] = [];
let lastList: DeadlineList | undefined;

function releaseIdle(): void {
  for (const list of idle.splice(0)) {
    list.idleQueued = false;
    if (list.head !== undefined) continue;
    // Empty for a whole turn: drop it (its timer would keep a finished program alive).
    if (list.timer !== undefined) clearTimeout(list.timer);
    list.timer = undefined;
    if (lists.get(list.duration) === list) lists.delete(list.duration);
    if (lastList === list) lastList = undefined;
  }
  if (lists.size === 0) pruneStale(Infinity);
}

/** The oldest reading a pending deadline was stamped from: stale stretches before it are moot. */
setOldestPending(() => {
  let oldest = Infinity;
  for (const list of lists.values()) {
    if (list.head !== undefined) oldest = Math.min(oldest, list.head.expires - list.duration - STALE_MS - 1);
  }
  return oldest;
});

/** Starts a deadline of `duration` ms (finite, >= 0) for `node`. */
export function addDeadline(node: DeadlineNode, duration: number): void {
  // Nearly every call uses the same timeout (the default): skip the map for it.
  let list = lastList;
  if (list === undefined || list.duration !== duration) {
    list = lists.get(duration);
    if (list === undefined) lists.set(duration, (list = new DeadlineList(duration)));
    lastList = list;
  }
  list.add(node);
}

/** Cancels `node`'s deadline, if it has one. */
export function removeDeadline(node: DeadlineNode): void {
  node.list?.remove(node);
}

/** How many duration lists exist (for specs: distinct timeouts must not pile up). */
export function deadlineListCount(): number {
  return lists.size;
}
