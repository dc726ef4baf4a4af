import { CAST, Message } from './message';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Slots of a full compact entry: kind, tag, payload, target. A repeat and a Message take SHORT. */
const STRIDE = 4;
/** Slots of a repeat (SAME, payload) and of a Message entry (the Message, one slot unused). */
const SHORT = 2;
/** Full entries in a new mailbox's first chunk; each further chunk doubles, up to MAX_CHUNK. */
const INITIAL = 8;
/**
 * Full entries per chunk at most (twice as many repeats). A plain array stays in V8's fast elements
 * only while it is small (a `new Array(n)` of some 100 000 slots or more is a dictionary, slow to
 * fill and to read), so a long mailbox is a list of chunks of this size, never one huge array.
 */
const MAX_CHUNK = 1024;
/** The lane's kept chunk is replaced by a fresh one after this many emptyings (a 32-slot array per 64 calls in a row). */
const REFRESH_EVERY = 64;
/**
 * In an entry's first slot: "the kind, tag and target of the compact entry before this one" (see
 * Mailbox). An object, so that comparing a slot with it is one pointer comparison.
 */
const SAME: object = Object.freeze({ same: true });
/** In an entry's first slot: "the rest of this chunk is unused, the next entry is in the next one". */
const NEXT: object = Object.freeze({ next: true });

/** A chunk's slots of each length, as undefined: never handed out, only copied (see Chunk). */
const blanks = new Map<number, unknown[]>();

class Chunk {
  readonly slots: unknown[];
  next: Chunk | undefined = undefined;

  constructor(entries: number) {
    // A copy of a packed array of undefined rather than `new Array(n)`: that one has holes, and
    // every read of a holey array checks for one.
    const length = entries * STRIDE;
    let blank = blanks.get(length);
    if (blank === undefined) {
      blank = [];
      for (let i = 0; i < length; i++) blank.push(undefined);
      blanks.set(length, blank);
    }
    this.slots = blank.slice();
  }
}

/**
 * A server's user lane: a FIFO of compact entries, in chunks. A cast or send is four slots of an
 * array (kind, tag, payload, target) rather than an object, so a long mailbox of casts is a few
 * arrays for the garbage collector to walk instead of a million objects to mark and copy. Calls, and
 * anything else that must stay an object (its promise, its deadline), are kept as their Message in
 * two slots (the second unused).
 *
 * `shift` does not allocate either: a compact entry comes out as the lane's `cursor`, one Message
 * written over for each entry (so it is valid until the next shift). When the lane empties it keeps
 * one chunk, its largest, for the next burst.
 *
 * A compact entry of the same kind, tag and target as the compact entry queued just before it (a
 * run of casts from one sender, the common case) is written as SAME and its payload alone, in two
 * slots: when it is taken, the cursor holds that earlier entry's kind, tag and target already, and
 * the drain's loop over a run (`takeSame`) compares one slot per message instead of three. A full
 * entry that does not fit in what is left of a chunk leaves a NEXT there and starts the next one.
 */
export class Mailbox {
  private head: Chunk;
  /** `head.slots`, kept apart so that taking an entry reads one object less. */
  private headSlots: unknown[];
  private tail: Chunk;
  /** Slot index of the oldest entry in `head`, and of the next free slot in `tail`. */
  private headAt = 0;
  private tailAt = 0;
  /** A drained full-size chunk kept for reuse while a long mailbox streams through. */
  private spare: Chunk | undefined = undefined;
  /** How often the lane has emptied since its chunk was last replaced by a fresh one (see emptied). */
  private emptyings = 0;
  length = 0;
  /** The kind, tag and target of the compact entry queued last, while nothing but compact entries came after it (kind -1: none). */
  private lastKind = -1;
  private lastTag = '';
  private lastTarget: unknown = undefined;
  /** The Message a compact entry is taken out as: reused, never queued. */
  readonly cursor: Message = new Message(CAST, '', undefined, undefined);

  constructor() {
    this.head = this.tail = new Chunk(INITIAL);
    this.headSlots = this.head.slots;
  }

  /** Queues a cast or info as a compact entry. */
  push(kind: number, tag: string, payload: unknown, target: unknown): void {
    let i = this.tailAt;
    let slots = this.tail.slots;
    if (kind === this.lastKind && tag === this.lastTag && target === this.lastTarget) {
      if (i === slots.length) {
        slots = this.addChunk();
        i = 0;
      }
      slots[i] = SAME;
      slots[i + 1] = payload;
      this.tailAt = i + SHORT;
    } else {
      if (i + STRIDE > slots.length) {
        // Entries take an even number of slots, so what is left is two slots or none.
        if (i < slots.length) slots[i] = NEXT;
        slots = this.addChunk();
        i = 0;
      }
      slots[i] = kind;
      slots[i + 1] = tag;
      slots[i + 2] = payload;
      slots[i + 3] = target;
      this.tailAt = i + STRIDE;
      this.lastKind = kind;
      this.lastTag = tag;
      this.lastTarget = target;
    }
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
    this.tailAt = i + SHORT;
    this.length++;
    this.lastKind = -1;
  }

  /**
   * Takes the oldest entry: its Message when it was queued as one, else the cursor holding it (until
   * the next shift); undefined when the lane is empty.
   */
  shift(): Message | undefined {
    if (this.length === 0) return undefined;
    let i = this.headAt;
    let slots = this.headSlots;
    if (i === slots.length) {
      slots = this.nextChunk();
      i = 0;
    }
    let first = slots[i];
    if (first === NEXT) {
      slots = this.nextChunk();
      i = 0;
      first = slots[0];
    }
    // Only the slots that hold the sender's values are cleared (payload, target, a Message): the
    // kind is a number and the tag a string the sender named, left for the next entry written there
    // (a dropped chunk takes them along). Storing undefined costs no write barrier; the cursor's
    // pointer fields are written only when they change, since while a long mailbox drains the
    // garbage collector is often marking, and then every pointer written costs one.
    let msg: Message;
    if (first === SAME) {
      const cursor = this.cursor as Writable<Message>;
      cursor.payload = slots[i + 1];
      slots[i + 1] = undefined;
      this.headAt = i + SHORT;
      msg = cursor;
    } else if (typeof first === 'number') {
      const cursor = this.cursor as Writable<Message>;
      const tag = slots[i + 1] as string;
      const target = slots[i + 3];
      cursor.kind = first;
      if (cursor.tag !== tag) cursor.tag = tag;
      cursor.payload = slots[i + 2];
      if (cursor.target !== target) cursor.target = target;
      slots[i + 2] = slots[i + 3] = undefined;
      this.headAt = i + STRIDE;
      msg = cursor;
    } else {
      msg = first as Message;
      slots[i] = undefined;
      this.headAt = i + SHORT;
    }
    if (--this.length === 0) this.emptied();
    return msg;
  }

  /**
   * Takes the oldest entry if it is a SAME one (the kind, tag and target the cursor holds), its
   * payload into the cursor, and returns true; takes nothing and returns false otherwise. The
   * drain's loop over a run of casts for one handler.
   */
  takeSame(): boolean {
    if (this.length === 0) return false;
    let i = this.headAt;
    let slots = this.headSlots;
    if (i === slots.length) {
      slots = this.nextChunk();
      i = 0;
    }
    if (slots[i] !== SAME) return false;
    (this.cursor as Writable<Message>).payload = slots[i + 1];
    slots[i + 1] = undefined;
    this.headAt = i + SHORT;
    if (--this.length === 0) this.emptied();
    return true;
  }

  /** Up to `max` entries, oldest first, as `{ kind, tag, payload }`, leaving the lane as it is (for status views). */
  peek(max = Infinity): { kind: number; tag: string; payload: unknown }[] {
    const out: { kind: number; tag: string; payload: unknown }[] = [];
    let chunk: Chunk | undefined = this.head;
    let i = this.headAt;
    // What a SAME entry repeats: the compact entry before it, which for the oldest is in the cursor.
    let kind = this.cursor.kind;
    let tag = this.cursor.tag;
    while (chunk !== undefined && out.length < Math.min(max, this.length)) {
      const slots: unknown[] = chunk.slots;
      const end = chunk === this.tail ? this.tailAt : slots.length;
      while (i < end && out.length < max) {
        const first = slots[i];
        if (first === NEXT) break;
        if (first === SAME) {
          out.push({ kind, tag, payload: slots[i + 1] });
          i += SHORT;
        } else if (typeof first === 'number') {
          kind = first;
          tag = slots[i + 1] as string;
          out.push({ kind, tag, payload: slots[i + 2] });
          i += STRIDE;
        } else {
          const msg = first as Message;
          out.push({ kind: msg.kind, tag: msg.tag, payload: msg.payload });
          i += SHORT;
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
    for (let msg = this.shift(); msg !== undefined; msg = this.shift()) if (msg !== this.cursor) out.push(msg);
    const cursor = this.cursor as Writable<Message>;
    cursor.payload = cursor.target = undefined;
    this.lastKind = -1;
    this.lastTarget = undefined;
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
    return (this.headSlots = this.head.slots);
  }

  private emptied(): void {
    // Keep only the tail chunk (the largest so far), from its start; every REFRESH_EVERY times a fresh
    // one of its size instead, so that a call is nearly always stored into a young array (a store of
    // a young object into an old one costs a remembered-set entry, see CHUNK in deadlines.ts).
    let chunk = this.head;
    while (chunk !== this.tail) {
      const next = chunk.next!;
      chunk.next = undefined;
      chunk = next;
    }
    if (++this.emptyings === REFRESH_EVERY) {
      this.emptyings = 0;
      chunk = this.tail = new Chunk(chunk.slots.length / STRIDE);
    }
    this.head = chunk;
    this.headSlots = chunk.slots;
    this.headAt = this.tailAt = 0;
  }
}

/**
 * A lane that is never used, so that the hidden classes (maps) of Mailbox and Chunk live as long as
 * this module. V8 keeps an instance map only weakly, through its class's transitions: when the last
 * lane dies (a program that runs one server at a time), a full collection drops the map, every
 * function optimized for lanes (the whole send and drain path) is deoptimized, and the next lane
 * gets a new map the code must be optimized for again, which takes a long mailbox's first
 * milliseconds.
 */
export const keptLane = new Mailbox();
