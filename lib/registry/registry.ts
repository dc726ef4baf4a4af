import { checkOptionKeys, childIdFor, stateOfServer } from '../behaviours/child_spec';
import { noProc, processFor, type ServerTarget } from '../behaviours/client';
import { handleInfo, init } from '../decorators';
import { AlreadyRegisteredError, ArgumentError, GenServerError, describeServer } from '../errors';
import { GenServer } from '../behaviours/gen_server';
import { context } from '../process/context';
import { link, unlink, type ExitMessage } from '../process/links';
import { ViaName, type Name, type NameRegistry } from '../process/names';
import type { Process } from '../process/process';
import { PROC, type ServerRef } from '../process/ref';
import { noreply, stop } from '../returns';
import { startServer } from '../behaviours/start';

export type RegistryKeys = 'unique' | 'duplicate';

/** Options of `Registry.start`. */
export interface RegistryOptions {
  /** 'unique': one server per key. 'duplicate': any number. */
  keys: RegistryKeys;
  name?: Name;
}

/** One registration, as `lookup` and `dispatch` give it. */
export interface RegistryEntry<V = unknown> {
  ref: ServerRef;
  value: V;
}

interface Entry {
  proc: Process;
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

/**
 * The registry's table: key → entries, and each registered process → its keys and entries. Reads
 * are plain map lookups, so they are synchronous. Each key's entries are a Set in registration
 * order, and each process knows its own entries, so a process leaves even a group of 100 k in
 * O(its own entries). Each registered process carries one exit hook that removes its entries the
 * moment it exits, and is linked to the registry (as in OTP) until its last key goes.
 */
class RegistryTable implements NameRegistry {
  private readonly entries = new Map<unknown, Set<Entry>>();
  private readonly byProc = new Map<Process, Owned>();
  private size = 0;

  constructor(
    readonly keys: RegistryKeys,
    /** The registry's own process, which registrants link to. */
    private readonly registry: Process,
  ) {}

  register(proc: Process, key: unknown, value: unknown): void {
    let set = this.entries.get(key);
    if (this.keys === 'unique' && set !== undefined && set.size > 0) throw new AlreadyRegisteredError(key, first(set).proc.ref);
    // A dead process would never fire its exit hook again: nothing to register.
    if (proc.isDead) return;
    const entry: Entry = { proc, value };
    if (set === undefined) this.entries.set(key, (set = new Set()));
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
  }

  /** Removes every entry of `proc` under `key`; the last key of a process unlinks and unhooks it. */
  unregister(proc: Process, key: unknown): void {
    const owned = this.byProc.get(proc);
    const mine = owned?.keys.get(key);
    if (owned === undefined || mine === undefined) return;
    owned.keys.delete(key);
    const set = this.entries.get(key)!;
    for (const entry of mine) set.delete(entry);
    this.size -= mine.length;
    if (set.size === 0) this.entries.delete(key);
    if (owned.keys.size === 0) {
      this.byProc.delete(proc);
      proc.offExit(owned.onExit);
      if (owned.linked) unlink(proc, this.registry);
    }
  }

  lookup(key: unknown): RegistryEntry[] {
    const set = this.entries.get(key);
    return set === undefined ? [] : Array.from(set, (e) => ({ ref: e.proc.ref, value: e.value }));
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

  removeProcess(proc: Process): void {
    const owned = this.byProc.get(proc);
    if (owned === undefined) return;
    for (const key of [...owned.keys.keys()]) this.unregister(proc, key);
  }

  /** The registry is exiting: its exit signal has already reached the registrants over their links. */
  clear(): void {
    for (const [proc, owned] of this.byProc) proc.offExit(owned.onExit);
    this.byProc.clear();
    this.entries.clear();
    this.size = 0;
  }

  whereisName(key: unknown): Process | undefined {
    const set = this.entries.get(key);
    const entry = set === undefined ? undefined : first(set);
    return entry !== undefined && !entry.proc.isDead ? entry.proc : undefined;
  }

  registerName(key: unknown, proc: Process): boolean {
    if ((this.entries.get(key)?.size ?? 0) > 0) return false;
    this.register(proc, key, undefined);
    return true;
  }

  unregisterName(key: unknown, proc: Process): void {
    this.unregister(proc, key);
  }
}

function first(set: Set<Entry>): Entry {
  return set.values().next().value as Entry;
}

/** Resolves a via name's registry each time, so a name keeps working with a restarted registry. */
class ViaResolver implements NameRegistry {
  constructor(private readonly registry: ServerTarget) {}

  private table(): RegistryTable | undefined {
    const proc = processFor(this.registry);
    return proc !== undefined && !proc.isDead && proc.server instanceof RegistryServer ? (proc.state as RegistryTable) : undefined;
  }

  whereisName(key: unknown): Process | undefined {
    return this.table()?.whereisName(key);
  }

  registerName(key: unknown, proc: Process): boolean {
    const table = this.table();
    if (table === undefined) throw noProc(this.registry);
    return table.registerName(key, proc);
  }

  unregisterName(key: unknown, proc: Process): void {
    this.table()?.unregisterName(key, proc);
  }
}

function tableOf(reg: ServerTarget): RegistryTable {
  return stateOfServer(reg, RegistryServer, 'Registry');
}

function running(fn: string): Process {
  const proc = context.current;
  if (proc === undefined) {
    throw new GenServerError(
      `Registry.${fn}() acts for the server whose handler is running, and none is (outside any server, or after an ` +
        `await in a handler). Call it from @init or a handler, before its first await.`,
    );
  }
  return proc;
}

/**
 * A local key → server registry. Unique keys make names (`Registry.via(reg, key)`); duplicate keys
 * make groups (pub/sub: `dispatch`). Entries vanish when their server exits. Reads are synchronous.
 *
 * ```ts
 * const reg = await Registry.start({ keys: 'unique' });
 * await Counter.start(0, { name: Registry.via(reg, 'counter:42') });
 * Registry.lookup(reg, 'counter:42'); // [{ ref, value: undefined }]
 * ```
 */
export class Registry {
  static start(options: RegistryOptions): Promise<ServerRef<RegistryServer>> {
    return startRegistry(options, false);
  }

  static startLink(options: RegistryOptions): Promise<ServerRef<RegistryServer>> {
    return startRegistry(options, true);
  }

  /** A child spec for running it under a Supervisor: `[Registry, { keys: 'unique', name: 'rooms' }]`; id from the name as for a Supervisor, else 'Registry'. */
  static childSpec(options: RegistryOptions): { id: string; start: () => Promise<ServerRef>; type: 'worker' } {
    const id = childIdFor(options?.name, 'Registry');
    return { id, start: () => Registry.startLink(options), type: 'worker' };
  }

  /**
   * A name that the registry resolves: usable wherever a name is (start, call, cast, stop, whereis…).
   * `Registry.via<Room>(reg, key)` names a `Room`: calls through it are typed like a `ServerRef<Room>`.
   */
  static via(reg: ServerTarget, key: unknown): ViaName;
  static via<S extends GenServer>(reg: ServerTarget, key: unknown): ViaName<S>;
  static via(reg: ServerTarget, key: unknown): ViaName {
    const table = tableOf(reg);
    if (table.keys !== 'unique') throw new ArgumentError('registry', reg, "a Registry with keys: 'unique' (via names need unique keys)");
    return new ViaName(new ViaResolver(reg), key, describeServer(reg));
  }

  /**
   * Registers the running server under `key` with `value` (default undefined), and links it to the
   * registry until its last key is unregistered, as in OTP: a registry crash takes it down. In a
   * duplicate registry, registering one key twice makes two entries. Throws `AlreadyRegisteredError`
   * for a taken unique key. `Registry.register(topics, 'news', { since: Date.now() })`.
   */
  static register(reg: ServerTarget, key: unknown, value?: unknown): void {
    tableOf(reg).register(running('register'), key, value);
  }

  /** Removes every entry of the running server under `key`; its last key unlinks it from the registry. */
  static unregister(reg: ServerTarget, key: unknown): void {
    tableOf(reg).unregister(running('unregister'), key);
  }

  /** `[{ ref, value }]` for `key` (empty if none). */
  static lookup<V = unknown>(reg: ServerTarget, key: unknown): RegistryEntry<V>[] {
    return tableOf(reg).lookup(key) as RegistryEntry<V>[];
  }

  /** The keys `server` is registered under; a duplicate key once per registration (`['hello', 'hello']`). */
  static keys(reg: ServerTarget, server: ServerTarget): unknown[] {
    const proc = processFor(server);
    return proc === undefined ? [] : tableOf(reg).keysOf(proc);
  }

  /** Calls `fn` once with every entry under `key`; not at all when there are none. */
  static dispatch<V = unknown>(reg: ServerTarget, key: unknown, fn: (entries: RegistryEntry<V>[]) => void): void {
    const entries = tableOf(reg).lookup(key);
    if (entries.length > 0) fn(entries as RegistryEntry<V>[]);
  }

  /** How many entries the registry holds. */
  static count(reg: ServerTarget): number {
    return tableOf(reg).count();
  }
}

function startRegistry(options: unknown, linked: boolean): Promise<ServerRef<RegistryServer>> {
  try {
    const o = checkOptionKeys(options, ['keys', 'name'], "{ keys: 'unique' }");
    if (o.keys !== 'unique' && o.keys !== 'duplicate') throw new ArgumentError('options.keys', o.keys, "'unique' or 'duplicate'");
    const startOptions = o.name === undefined ? undefined : { name: o.name as Name };
    return startServer(RegistryServer, GenServer, o.keys, startOptions, linked) as Promise<ServerRef<RegistryServer>>;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The server behind a Registry ref (internal: use the `Registry` functions). */
export class RegistryServer extends GenServer<RegistryTable> {
  @init
  setup(keys: RegistryKeys): RegistryTable {
    // Registrants are linked to it: their exits must not take it down (its parent's still does).
    this.trapExits(true);
    const table = new RegistryTable(keys, this.self[PROC]);
    // However the registry exits (even killed, without terminate), its entries go with it.
    this.self[PROC].onExit(() => table.clear());
    return table;
  }

  /**
   * A registrant exited: its exit hook has already removed its entries. A signal sent outside any
   * server (`GenServer.exit(reg, 'shutdown')`) stops it, as it does a supervisor; one from another
   * server is ignored, as OTP's registry (a supervisor) does.
   */
  @handleInfo('EXIT')
  linkedExit({ from, reason }: ExitMessage, table: RegistryTable) {
    return from === undefined ? stop(reason, table) : noreply(table);
  }
}

Object.defineProperty(RegistryServer, 'name', { value: 'Registry' });
