import type { Message } from './message';

/** Slots per entry: kind (or the Message itself), tag, payload, target. */
const STRIDE = 4;
/** Entries in a new mailbox's first chunk; each further chunk doubles, up to MAX_CHUNK. */
const INITIAL = 8;
/**
 * Entries per chunk at most. A plain array stays in V8's fast elements only while it is small (a
 * `new Array(n)` of some 100 000 slots or more is a dictionary, slow to fill and to read), so a long
 * mailbox is a list of chunks of this size, never one huge array.
 */
const MAX_CHUNK = 1024;

class Chunk {
  readonly slots: unknown[];
  next: Chunk | undefined = undefined;

  constructor(entries: number) {
    this.slots = new Array(entries * STRIDE);
  }
}

/**
 * A server's user lane: a FIFO of compact entries, in chunks. A cast or send is four slots of an
 * array (kind, tag, payload, target) rather than an object, so a long mailbox of casts is a few
 * arrays for the garbage collector to walk instead of a million objects to mark and copy. Calls, and
 * anything else that must stay an object (its promise, its deadline), are kept as their Message in
 * the first slot.
 *
 * `shift` does not allocate either: it leaves the entry in `kind`, `tag`, `payload`, `target` and,
 * for an object entry, `message`. When the lane empties it keeps one chunk, its largest, for the
 * next burst.
 */
export class Mailbox {
  private head: Chunk;
  private tail: Chunk;
  /** Slot index of the oldest entry in `head`, and of the next free slot in `tail`. */
  private headAt = 0;
  private tailAt = 0;
  /** A drained full-size chunk kept for reuse while a long mailbox streams through. */
  private spare: Chunk | undefined = undefined;
  length = 0;

  /** The entry `shift` took. */
  kind = 0;
  tag = '';
  payload: unknown = undefined;
  target: unknown = undefined;
  /** The entry's Message, when it was queued as one (calls, timer messages); else undefined. */
  message: Message | undefined = undefined;

  constructor() {
    this.head = this.tail = new Chunk(INITIAL);
  }

  /** Queues a cast or info as a compact entry. */
  push(kind: number, tag: string, payload: unknown, target: unknown): void {
    let i = this.tailAt;
    let slots = this.tail.slots;
    if (i === slots.length) {
      slots = this.addChunk();
      i = 0;
    }
    slots[i] = kind;
    slots[i + 1] = tag;
    slots[i + 2] = payload;
    slots[i + 3] = target;
    this.tailAt = i + STRIDE;
    this.length++;
  }

  /** Queues a Message object as it is. */
  pushMessage(msg: Message): void {
    let i = this.tailAt;
    let slots = this.tail.slots;
    if (i === slots.length) {
      slots = this.addChunk();
      i = 0;
    }
    slots[i] = msg;
    this.tailAt = i + STRIDE;
    this.length++;
  }

  /** Takes the oldest entry into the fields above; false when the lane is empty. */
  shift(): boolean {
    if (this.length === 0) return false;
    let i = this.headAt;
    let slots = this.head.slots;
    if (i === slots.length) {
      slots = this.nextChunk();
      i = 0;
    }
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
    this.headAt = i + STRIDE;
    if (--this.length === 0) this.emptied();
    return true;
  }

  /** Up to `max` entries, oldest first, as `{ kind, tag, payload }`, leaving the lane as it is (for status views). */
  peek(max = Infinity): { kind: number; tag: string; payload: unknown }[] {
    const out: { kind: number; tag: string; payload: unknown }[] = [];
    let chunk: Chunk | undefined = this.head;
    let i = this.headAt;
    while (chunk !== undefined && out.length < Math.min(max, this.length)) {
      const slots: unknown[] = chunk.slots;
      const end = chunk === this.tail ? this.tailAt : slots.length;
      for (; i < end && out.length < max; i += STRIDE) {
        const first = slots[i];
        if (typeof first === 'number') out.push({ kind: first, tag: slots[i + 1] as string, payload: slots[i + 2] });
        else {
          const msg = first as Message;
          out.push({ kind: msg.kind, tag: msg.tag, payload: msg.payload });
        }
      }
      chunk = chunk.next;
      i = 0;
    }
    return out;
  }

  /** Removes everything; returns the Message objects among the entries (the calls to answer), oldest first. */
  takeMessages(): Message[] {
    const out: Message[] = [];
    while (this.shift()) if (this.message !== undefined) out.push(this.message);
    this.payload = this.target = this.message = undefined;
    return out;
  }

  private addChunk(): unknown[] {
    const size = Math.min(MAX_CHUNK, (this.tail.slots.length / STRIDE) * 2);
    let chunk = this.spare;
    if (chunk !== undefined && chunk.slots.length === size * STRIDE) this.spare = undefined;
    else chunk = new Chunk(size);
    this.tail.next = chunk;
    this.tail = chunk;
    this.tailAt = 0;
    return chunk.slots;
  }

  /** The head chunk is used up (and is not the tail): on to the next one. */
  private nextChunk(): unknown[] {
    const done = this.head;
    this.head = done.next!;
    done.next = undefined;
    if (done.slots.length === MAX_CHUNK * STRIDE) this.spare = done;
    this.headAt = 0;
    return this.head.slots;
  }

  private emptied(): void {
    // Keep only the tail chunk (the largest so far), from its start; its slots are all cleared.
    let chunk = this.head;
    while (chunk !== this.tail) {
      const next = chunk.next!;
      chunk.next = undefined;
      chunk = next;
    }
    this.head = this.tail;
    this.headAt = this.tailAt = 0;
  }
}
