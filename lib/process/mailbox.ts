import type { Message } from './message';

/** Slots per entry: kind (or the Message itself), tag, payload, target. */
const STRIDE = 4;
/** A lane emptied at this many entries of capacity or more goes back to a small one (a drained flood gives its memory back). */
const SHRINK_AT = 1024;
const INITIAL = 8;

/**
 * A server's user lane: a FIFO ring buffer of compact entries. A cast or send is four slots of one
 * array (kind, tag, payload, target) rather than an object, so a long mailbox of casts is one array
 * for the garbage collector to walk instead of a million objects to mark and copy. Calls, and
 * anything else that must stay an object (its promise, its deadline), are kept as their Message in
 * the first slot.
 *
 * `shift` does not allocate either: it leaves the entry in `kind`, `tag`, `payload`, `target` and,
 * for an object entry, `message`.
 */
export class Mailbox {
  private slots: unknown[];
  /** Slot index of the oldest entry. */
  private head = 0;
  private mask: number;
  length = 0;

  /** The entry `shift` took. */
  kind = 0;
  tag = '';
  payload: unknown = undefined;
  target: unknown = undefined;
  /** The entry's Message, when it was queued as one (calls, timer messages); else undefined. */
  message: Message | undefined = undefined;

  constructor() {
    this.slots = new Array(INITIAL * STRIDE);
    this.mask = INITIAL * STRIDE - 1;
  }

  /** Queues a cast or info as a compact entry. */
  push(kind: number, tag: string, payload: unknown, target: unknown): void {
    if (this.length * STRIDE > this.mask) this.grow();
    const slots = this.slots;
    const i = (this.head + this.length * STRIDE) & this.mask;
    slots[i] = kind;
    slots[i + 1] = tag;
    slots[i + 2] = payload;
    slots[i + 3] = target;
    this.length++;
  }

  /** Queues a Message object as it is. */
  pushMessage(msg: Message): void {
    if (this.length * STRIDE > this.mask) this.grow();
    this.slots[(this.head + this.length * STRIDE) & this.mask] = msg;
    this.length++;
  }

  /** Takes the oldest entry into the fields above; false when the lane is empty. */
  shift(): boolean {
    if (this.length === 0) return false;
    const slots = this.slots;
    const i = this.head;
    const first = slots[i];
    slots[i] = undefined;
    if (typeof first === 'number') {
      this.kind = first;
      this.tag = slots[i + 1] as string;
      this.payload = slots[i + 2];
      this.target = slots[i + 3];
      this.message = undefined;
      slots[i + 1] = slots[i + 2] = slots[i + 3] = undefined;
    } else {
      const msg = first as Message;
      this.message = msg;
      this.kind = msg.kind;
      this.tag = msg.tag;
      this.payload = msg.payload;
      this.target = msg.target;
    }
    this.head = (i + STRIDE) & this.mask;
    if (--this.length === 0) this.emptied();
    return true;
  }

  /** Removes everything; returns the Message objects among the entries (the calls to answer), oldest first. */
  takeMessages(): Message[] {
    const out: Message[] = [];
    while (this.shift()) if (this.message !== undefined) out.push(this.message);
    this.payload = this.target = this.message = undefined;
    return out;
  }

  private emptied(): void {
    this.head = 0;
    // The entry just taken stays readable in the fields; nothing else is held.
    if (this.slots.length >= SHRINK_AT * STRIDE) {
      this.slots = new Array(INITIAL * STRIDE);
      this.mask = INITIAL * STRIDE - 1;
    }
  }

  private grow(): void {
    const old = this.slots;
    const size = old.length;
    const next = new Array<unknown>(size * 2);
    const used = this.length * STRIDE;
    for (let k = 0; k < used; k++) next[k] = old[(this.head + k) & this.mask];
    this.slots = next;
    this.head = 0;
    this.mask = size * 2 - 1;
  }
}
