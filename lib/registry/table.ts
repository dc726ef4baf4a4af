import { send, type ServerTarget } from '../behaviours/client';
import { AlreadyRegisteredError } from '../errors';
import { link, unlink } from '../process/links';
import type { NameRegistry } from '../process/names';
import type { Process } from '../process/process';
import type { ServerRef } from '../process/ref';
import { Locks } from './lock';
import type { MatchedEntry } from './match_spec';

export type RegistryKeys = 'unique' | 'duplicate';

/** One registration, as `lookup` and `dispatch` give it. */
export interface RegistryEntry<V = unknown> {
  ref: ServerRef;
  value: V;
}

/** What a listener's `@handleInfo('register')` gets (Elixir's `{:register, registry, key, pid, value}`). */
export interface RegistryRegisterEvent<V = unknown> {
  registry: ServerRef;
  key: unknown;
  ref: ServerRef;
  value: V;
}

/** What a listener's `@handleInfo('unregister')` gets (Elixir's `{:unregister, registry, key, pid}`). */
export interface RegistryUnregisterEvent {
  registry: ServerRef;
  key: unknown;
  ref: ServerRef;
}

interface Entry {
  readonly proc: Process;
  readonly key: unknown;
  value: unknown;
}

/** What the table knows of one registered process. */
interface Owned {
  /** Key → this process's entries under it: several when it registered a duplicate key twice. */
  keys: Map<unknown, Entry[]>;
  onExit: () => void;
  /** Registering made its link to the registry (so its last unregister undoes it, and only then). */
  linked: boolean;
}

/** key → its entries, in registration order. A registry has `partitions` of these. */
type Partition = Map<unknown, Set<Entry>>;

const objectIds = new WeakMap<object, number>();
let lastObjectId = 0;

/**
 * A hash that agrees with Map's key equality (SameValueZero): primitives by value, objects and
 * symbols by identity (objects get an id on first sight; symbols hash by description, which equal
 * symbols share). Non-negative integers hash to themselves, as Elixir's partitions do.
 */
export function keyHash(key: unknown): number {
  switch (typeof key) {
    case 'number':
      if (Number.isInteger(key) && key >= 0 && key <= 0x7fffffff) return key;
      return stringHash(String(key));
    case 'string':
      return stringHash(key);
    case 'bigint':
      return stringHash(key.toString());
    case 'boolean':
      return key ? 1 : 0;
    case 'symbol':
      return stringHash(String(key.description));
    case 'undefined':
      return 2;
    default: {
      if (key === null) return 3;
      let id = objectIds.get(key as object);
      if (id === undefined) objectIds.set(key as object, (id = ++lastObjectId));
      return id;
    }
  }
}

function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The registry's table: key → entries (spread over partitions), and each registered process → its
 * keys and entries. Reads are plain map lookups, so they are synchronous. Each key's entries are a
 * Set in registration order, and each process knows its own entries, so a process leaves even a
 * group of 100 k in O(its own entries). Each registered process carries one exit hook that removes
 * its entries the moment it exits, and is linked to the registry (as in OTP) until its last key goes.
 *
 * Partitions follow Elixir's layout: a unique key lives in the partition of its hash, a duplicate
 * registry keeps all of one process's entries in the partition of that process.
 */
export class RegistryTable implements NameRegistry {
  private readonly parts: Partition[];
  private readonly byProc = new Map<Process, Owned>();
  private size = 0;
  readonly meta = new Map<unknown, unknown>();
  readonly locks = new Locks();

  constructor(
    readonly keys: RegistryKeys,
    /** The registry's own process, which registrants link to. */
    private readonly registry: Process,
    partitions: number,
    private readonly listeners: readonly ServerTarget[],
  ) {
    this.parts = Array.from({ length: partitions }, () => new Map());
  }

  get partitions(): number {
    return this.parts.length;
  }

  /** The partition a new entry of `proc` under `key` goes to. */
  private partFor(proc: Process, key: unknown): Partition {
    const n = this.parts.length;
    if (n === 1) return this.parts[0];
    return this.parts[(this.keys === 'unique' ? keyHash(key) : proc.id) % n];
  }

  /** The partitions that may hold entries under `key`: one for unique keys, all for duplicate ones. */
  private partsFor(key: unknown): readonly Partition[] {
    const n = this.parts.length;
    if (n === 1 || this.keys !== 'unique') return this.parts;
    const one = this.single;
    one[0] = this.parts[keyHash(key) % n];
    return one;
  }

  /** Reused by `partsFor`: callers iterate it at once and never keep it. */
  private readonly single: Partition[] = [new Map()];

  register(proc: Process, key: unknown, value: unknown): void {
    const part = this.partFor(proc, key);
    let set = part.get(key);
    if (this.keys === 'unique' && set !== undefined && set.size > 0) throw new AlreadyRegisteredError(key, first(set).proc.ref);
    // A dead process would never fire its exit hook again: nothing to register.
    if (proc.isDead) return;
    const entry: Entry = { proc, key, value };
    if (set === undefined) part.set(key, (set = new Set()));
    set.add(entry);
    this.size++;
    let owned = this.byProc.get(proc);
    if (owned === undefined) {
      owned = { keys: new Map(), onExit: () => this.removeProcess(proc), linked: false };
      this.byProc.set(proc, owned);
      proc.onExit(owned.onExit);
      // As in OTP, a registry that crashes takes its registrants down: they are linked to it.
      if (proc !== this.registry && !(proc.links?.has(this.registry) ?? false)) {
        link(proc, this.registry);
        owned.linked = true;
      }
    }
    const mine = owned.keys.get(key);
    if (mine === undefined) owned.keys.set(key, [entry]);
    else mine.push(entry);
    if (this.listeners.length > 0) this.notify('register', { registry: this.registry.ref, key, ref: proc.ref, value });
  }

  /** Removes every entry of `proc` under `key`; the last key of a process unlinks and unhooks it. */
  unregister(proc: Process, key: unknown, notify = true): void {
    const owned = this.byProc.get(proc);
    const mine = owned?.keys.get(key);
    if (owned === undefined || mine === undefined) return;
    owned.keys.delete(key);
    const part = this.partFor(proc, key);
    const set = part.get(key)!;
    for (const entry of mine) set.delete(entry);
    this.size -= mine.length;
    if (set.size === 0) part.delete(key);
    if (owned.keys.size === 0) {
      this.byProc.delete(proc);
      proc.offExit(owned.onExit);
      if (owned.linked) unlink(proc, this.registry);
    }
    if (notify && this.listeners.length > 0) this.notify('unregister', { registry: this.registry.ref, key, ref: proc.ref });
  }

  /**
   * Removes the entries of `proc` under `key` that pass `test`. Only when that removes all of them is
   * it an unregister (listeners hear of it, the link may go), as in Elixir.
   */
  unregisterWhere(proc: Process, key: unknown, test: (entry: MatchedEntry) => boolean): void {
    const mine = this.byProc.get(proc)?.keys.get(key);
    if (mine === undefined) return;
    const doomed = mine.filter((e) => test({ key, ref: proc.ref, value: e.value }));
    if (doomed.length === 0) return;
    if (doomed.length === mine.length) return this.unregister(proc, key);
    const set = this.partFor(proc, key).get(key)!;
    for (const entry of doomed) {
      set.delete(entry);
      mine.splice(mine.indexOf(entry), 1);
    }
    this.size -= doomed.length;
  }

  /** Calls `fn` with each entry under `key`, in partition order, then registration order. */
  forEachUnder(key: unknown, fn: (entry: MatchedEntry) => void): void {
    for (const part of this.partsFor(key)) {
      const set = part.get(key);
      if (set !== undefined) for (const e of set) fn({ key, ref: e.proc.ref, value: e.value });
    }
  }

  /** Calls `fn` with every entry of the registry. */
  forEach(fn: (entry: MatchedEntry) => void): void {
    for (const part of this.parts) for (const [key, set] of part) for (const e of set) fn({ key, ref: e.proc.ref, value: e.value });
  }

  lookup(key: unknown): RegistryEntry[] {
    const parts = this.partsFor(key);
    if (parts.length === 1) {
      const set = parts[0].get(key);
      return set === undefined ? [] : Array.from(set, (e) => ({ ref: e.proc.ref, value: e.value }));
    }
    const out: RegistryEntry[] = [];
    for (const part of parts) {
      const set = part.get(key);
      if (set !== undefined) for (const e of set) out.push({ ref: e.proc.ref, value: e.value });
    }
    return out;
  }

  /** The entries under `key` grouped by partition, empty groups left out: what `dispatch` calls its function with. */
  groups(key: unknown): RegistryEntry[][] {
    const out: RegistryEntry[][] = [];
    for (const part of this.partsFor(key)) {
      const set = part.get(key);
      if (set !== undefined && set.size > 0) out.push(Array.from(set, (e) => ({ ref: e.proc.ref, value: e.value })));
    }
    return out;
  }

  /** The values `proc` registered under `key`, in registration order. */
  valuesOf(proc: Process, key: unknown): unknown[] {
    const mine = this.byProc.get(proc)?.keys.get(key);
    return mine === undefined ? [] : mine.map((e) => e.value);
  }

  /** Unique registries: replaces the value of `proc`'s entry under `key`; undefined if `proc` does not hold it. */
  updateValue(proc: Process, key: unknown, fn: (old: unknown) => unknown): [unknown, unknown] | undefined {
    const entry = this.byProc.get(proc)?.keys.get(key)?.[0];
    if (entry === undefined) return undefined;
    const old = entry.value;
    const next = fn(old);
    entry.value = next;
    return [next, old];
  }

  /** The keys of `proc`, a duplicate key once per registration. */
  keysOf(proc: Process): unknown[] {
    const keys: unknown[] = [];
    const owned = this.byProc.get(proc);
    if (owned !== undefined) for (const [key, mine] of owned.keys) for (let i = 0; i < mine.length; i++) keys.push(key);
    return keys;
  }

  count(): number {
    return this.size;
  }

  /** Entries under `key` (no Array built). */
  countUnder(key: unknown): number {
    let n = 0;
    for (const part of this.partsFor(key)) n += part.get(key)?.size ?? 0;
    return n;
  }

  /** A process exited: its entries go, silently (as in Elixir, listeners that care monitor the process). */
  removeProcess(proc: Process): void {
    const owned = this.byProc.get(proc);
    if (owned === undefined) return;
    for (const key of [...owned.keys.keys()]) this.unregister(proc, key, false);
  }

  /** The registry is exiting: its exit signal has already reached the registrants over their links. */
  clear(): void {
    for (const [proc, owned] of this.byProc) proc.offExit(owned.onExit);
    this.byProc.clear();
    for (const part of this.parts) part.clear();
    this.size = 0;
    this.locks.clear(this.registry.ref);
  }

  private notify(tag: 'register' | 'unregister', event: RegistryRegisterEvent | RegistryUnregisterEvent): void {
    // GenServer.send never throws: a listener that is not running misses the event.
    for (const listener of this.listeners) send(listener, tag, event);
  }

  whereisName(key: unknown): Process | undefined {
    const set = this.partFor(this.registry, key).get(key);
    const entry = set === undefined || set.size === 0 ? undefined : first(set);
    return entry !== undefined && !entry.proc.isDead ? entry.proc : undefined;
  }

  registerName(key: unknown, proc: Process, value?: unknown): boolean {
    if ((this.partFor(proc, key).get(key)?.size ?? 0) > 0) return false;
    this.register(proc, key, value);
    return true;
  }

  unregisterName(key: unknown, proc: Process): void {
    this.unregister(proc, key);
  }
}

function first(set: Set<Entry>): Entry {
  return set.values().next().value as Entry;
}
