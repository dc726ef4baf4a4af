/**
 * A FIFO ring buffer: O(1) push and shift, grows by doubling, never shifts an array.
 * A mailbox lane is one of these.
 */
export class Queue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private mask: number;
  length = 0;

  constructor(capacity = 8) {
    this.items = new Array(capacity);
    this.mask = capacity - 1;
  }

  push(item: T): void {
    if (this.length > this.mask) this.grow();
    this.items[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  /** Puts an item at the front, to be shifted next. */
  unshift(item: T): void {
    if (this.length > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = item;
    this.length++;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return item;
  }

  /** Copies up to `max` items, oldest first, leaving the queue as it is. */
  peek(max = Infinity): T[] {
    const n = Math.min(this.length, max);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = this.items[(this.head + i) & this.mask] as T;
    return out;
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  private grow(): void {
    const old = this.items;
    const size = old.length;
    const next = new Array<T | undefined>(size * 2);
    for (let i = 0; i < this.length; i++) next[i] = old[(this.head + i) & this.mask];
    this.items = next;
    this.head = 0;
    this.mask = size * 2 - 1;
  }
}
