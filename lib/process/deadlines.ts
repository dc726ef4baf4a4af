import { clearTimer, nativeSetImmediate, now, onTimeSourceChange, timeState, type FakeClock } from './clock';
import { coarseNow } from './scheduler';

/**
 * Call deadlines, without a setTimeout per call (that alone cuts call throughput ~4×).
 * Deadlines of one duration expire in the order they were set, so each duration keeps a doubly
 * linked FIFO list: O(1) to add, O(1) to remove on reply, and a single timer armed at its head.
 * A list's timer is unref'd when the list empties, so a finished program exits at once.
 * Under fake timers, deadlines are stamped, armed and expired on the fake clock (see clock.ts).
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
  /** The fake clock that armed `timer` (undefined: a real timer). */
  clock: FakeClock | undefined = undefined;
  refed = false;
  idleQueued = false;

  constructor(readonly duration: number) {}

  add(node: DeadlineNode): void {
    // A whole number keeps `expires` a small integer in every Message (a double would be boxed).
    const t = stamp();
    node.expires = Math.ceil(t + this.duration);
    node.list = this;
    node.next = undefined;
    node.prev = this.tail;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    if (this.head === node) this.arm(t);
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
      if (idle.length === 1) nativeSetImmediate(unrefIdle);
    }
  }

  /** @internal */
  arm(t: number): void {
    if (this.timer) {
      if (this.clock === timeState.source) {
        if (!this.refed) {
          this.timer.ref();
          this.refed = true;
        }
        return;
      }
      if (this.clock === undefined) clearTimer(this.timer);
      else this.clock.clearTimeout(this.timer);
    }
    this.clock = timeState.source;
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(this.head!.expires - t)));
    this.refed = true;
  }

  private fire = (): void => {
    this.timer = undefined;
    const t = now();
    let node = this.head;
    while (node !== undefined && node.expires <= t) {
      this.remove(node);
      node.expire(this.duration);
      node = this.head;
    }
    // (The clock may have changed at that now(), and the list been armed again already.)
    if (node !== undefined && this.timer === undefined) {
      this.clock = timeState.source;
      this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(node.expires - t)));
      this.refed = true;
    }
  };
}

/** Now, for stamping a deadline: the coarse clock while time is real, else the fake clock. */
function stamp(): number {
  // While time is real and was real at the last read: one global read and two compares.
  const state = timeState;
  return setTimeout === state.realTimer && state.source === undefined ? coarseNow() + state.offset : now();
}

const lists = new Map<number, DeadlineList>();

// Fake timers installed or removed: a timer armed on the other clock may never fire (a removed fake
// clock's never will), so every list with deadlines is armed again on the clock in charge now.
onTimeSourceChange(() => {
  const t = now();
  for (const list of lists.values()) if (list.head !== undefined) list.arm(t);
});
const idle: DeadlineList[] = [];

function unrefIdle(): void {
  for (const list of idle.splice(0)) {
    list.idleQueued = false;
    if (list.head === undefined && list.timer && list.refed) {
      list.timer.unref();
      list.refed = false;
    }
  }
}

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
let lastList: DeadlineList | undefined;

/** Cancels `node`'s deadline, if it has one. */
export function removeDeadline(node: DeadlineNode): void {
  node.list?.remove(node);
}
