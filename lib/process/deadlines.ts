import { clearTimer, nativeSetImmediate, now, onTimeSourceChange, timeState, type FakeClock } from './clock';
import { MAX_DELAY } from './delay';
import { coarseNow } from './scheduler';
import { STALE_MS, latestReading, pruneStale, setOldestPending } from './stale';

/**
 * Call deadlines, without a setTimeout per call (that alone cuts call throughput ~4×).
 * Deadlines of one duration expire in the order they were set, so each duration keeps a FIFO
 * of its pending nodes and a single timer armed at the oldest. Answering a call does not take its
 * node out: it only unmarks it (`list` undefined, and one count less), and the FIFO (small arrays
 * in a chain, see CHUNK) drops unmarked nodes from its front as it goes (calls are mostly answered
 * in order, so nearly always at once), or all together when it would otherwise grow, so that it
 * never holds more than about twice as many nodes as are pending. A call costs one slot written and
 * no links to mend. A list that stays empty for a turn is dropped with its timer, so neither a
 * finished program nor a stream of distinct timeouts keeps anything.
 *
 * While time is real, stamps come from the coarse clock, which may be stale after a long synchronous
 * stretch; a head that looks expired is checked against the stretches the clock recorded (stale.ts),
 * so a deadline never expires early. Under fake timers, deadlines are stamped, armed and expired on
 * the fake clock, exactly (see clock.ts). Durations above setTimeout's limit (2^31-1 ms) re-arm until
 * they are due.
 */
export interface DeadlineNode {
  expires: number;
  /** The list the node is pending on; undefined once it expired or was removed. */
  list: DeadlineList | undefined;
  /** Called once when the deadline passes; the node is already off its list. */
  expire(duration: number): void;
}

/**
 * Nodes per chunk of a list's FIFO. The chunks are small arrays made as the FIFO grows (and a fresh
 * one each time it empties), so a chunk is young while calls are stored into it: a store of a young
 * call into an old array would cost a remembered-set entry per call (a write barrier's slow path,
 * about 5% of a call with 64 in flight). A chunk is garbage once the front has passed it.
 */
const CHUNK = 32;

class Chunk {
  readonly nodes: (DeadlineNode | undefined)[] = new Array(CHUNK);
  next: Chunk | undefined = undefined;
}

export class DeadlineList {
  /** A FIFO of nodes in the order they were added (pending ones, and removed ones not yet dropped), in chunks. */
  private front = new Chunk();
  private frontAt = 0;
  private back = this.front;
  private backAt = 0;
  private count = 0;
  /** How many nodes of the FIFO are pending. */
  pending = 0;
  timer: NodeJS.Timeout | undefined = undefined;
  /** The fake clock that armed `timer` (undefined: a real timer). */
  clock: FakeClock | undefined = undefined;
  idleQueued = false;

  constructor(readonly duration: number) {}

  add(node: DeadlineNode): void {
    // A whole number keeps `expires` a small integer in every Message (a double would be boxed).
    const t = stamp();
    node.expires = Math.ceil(t + this.duration);
    node.list = this;
    // Removed nodes at the front go first: with calls answered in order, that is all but the pending.
    while (this.count > 0 && this.front.nodes[this.frontAt]!.list !== this) this.drop();
    if (this.backAt === CHUNK) this.grow();
    this.back.nodes[this.backAt++] = node;
    this.count++;
    if (this.pending++ === 0 && (this.timer === undefined || this.clock !== timeState.source)) this.arm(t);
  }

  remove(node: DeadlineNode): void {
    node.list = undefined;
    if (--this.pending === 0 && !this.idleQueued) {
      this.idleQueued = true;
      idle.push(this);
      if (idle.length === 1) nativeSetImmediate(releaseIdle);
    }
  }

  /** The oldest pending node (dropping removed ones before it), or undefined. */
  head(): DeadlineNode | undefined {
    while (this.count > 0) {
      const node = this.front.nodes[this.frontAt]!;
      if (node.list === this) return node;
      this.drop();
    }
    return undefined;
  }

  /** Drops the front node. */
  private drop(): void {
    const front = this.front;
    front.nodes[this.frontAt] = undefined;
    this.count--;
    if (++this.frontAt < CHUNK) return;
    // The front chunk is used up: on to the next one, or a fresh one if it was the last.
    if (front === this.back) {
      this.front = this.back = new Chunk();
      this.backAt = 0;
    } else {
      this.front = front.next!;
      front.next = undefined;
    }
    this.frontAt = 0;
  }

  /**
   * The back chunk is full: squeeze out the removed nodes when they are half of what the FIFO holds
   * or more (so it never holds more than about twice the pending ones), else add a chunk.
   */
  private grow(): void {
    if (this.count >= 2 * CHUNK && this.pending * 2 <= this.count) {
      const fresh = new Chunk();
      let back = fresh;
      let at = 0;
      let n = 0;
      for (let chunk: Chunk | undefined = this.front, i = this.frontAt; chunk !== undefined; chunk = chunk.next, i = 0) {
        const end = chunk === this.back ? this.backAt : CHUNK;
        for (; i < end; i++) {
          const node = chunk.nodes[i]!;
          if (node.list !== this) continue;
          if (at === CHUNK) {
            back = back.next = new Chunk();
            at = 0;
          }
          back.nodes[at++] = node;
          n++;
        }
      }
      this.front = fresh;
      this.frontAt = 0;
      this.back = back;
      this.backAt = at;
      this.count = n;
      if (at < CHUNK) return;
    }
    this.back = this.back.next = new Chunk();
    this.backAt = 0;
  }

  /** Arms the timer for the head on the clock in charge now (`t`: that clock's time). @internal */
  arm(t: number): void {
    this.cancelTimer();
    const head = this.head();
    if (head === undefined) return;
    this.clock = timeState.source;
    this.timer = setTimeout(this.fire, Math.min(MAX_DELAY, Math.max(1, Math.ceil(head.expires - t))));
  }

  /** @internal */
  cancelTimer(): void {
    if (this.timer === undefined) return;
    if (this.clock === undefined) clearTimer(this.timer);
    else this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire = (): void => {
    this.timer = undefined;
    const t = now();
    const real = timeState.source === undefined;
    let node = this.head();
    while (node !== undefined && node.expires <= t) {
      // Stamped from a stale coarse reading? Then it is due only `duration` after the latest time it
      // may have been taken.
      if (real) {
        const base = node.expires - this.duration - STALE_MS;
        const latest = latestReading(base - 1 - EPSILON, base + EPSILON);
        if (latest !== undefined && latest + this.duration > t) {
          node.expires = Math.ceil(latest + this.duration);
          break;
        }
      }
      this.drop();
      this.remove(node);
      node.expire(this.duration);
      node = this.head();
    }
    // (The clock may have changed at that now(), and the list been armed again already.)
    if (node !== undefined && this.timer === undefined) this.arm(t);
  };
}

// Stamps are ceil'd: a reading r gives ceil(r + d + STALE_MS), so r lies within 1 ms below the base.
const EPSILON = 1e-6;

/**
 * Now, for stamping a deadline: the coarse clock while time is real (plus STALE_MS, which absorbs a
 * reading up to that stale; staler ones are recorded in stale.ts), else the fake clock.
 */
function stamp(): number {
  // While time is real and was real at the last read: one global read and two compares.
  const state = timeState;
  return setTimeout === state.realTimer && state.source === undefined ? coarseNow() + state.offset + STALE_MS : now();
}

const lists = new Map<number, DeadlineList>();
const idle: DeadlineList[] = [];
let lastList: DeadlineList | undefined;

// Fake timers installed or removed: a timer armed on the other clock may never fire (a removed fake
// clock's never will), so every list with deadlines is armed again on the clock in charge now.
onTimeSourceChange(() => {
  const t = now();
  for (const list of lists.values()) if (list.pending > 0) list.arm(t);
});

function releaseIdle(): void {
  for (const list of idle.splice(0)) {
    list.idleQueued = false;
    if (list.pending > 0) continue;
    // Empty for a whole turn: drop it (its timer would keep a finished program alive).
    list.cancelTimer();
    if (lists.get(list.duration) === list) lists.delete(list.duration);
    if (lastList === list) lastList = undefined;
  }
  if (lists.size === 0) pruneStale(Infinity);
}

/** The oldest reading a pending deadline was stamped from: stale stretches before it are moot. */
setOldestPending(() => {
  let oldest = Infinity;
  for (const list of lists.values()) {
    const head = list.head();
    if (head !== undefined) oldest = Math.min(oldest, head.expires - list.duration - STALE_MS - 1);
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
