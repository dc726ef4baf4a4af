import { checkOptionKeys, stateOfServer } from '../behaviours/child_spec';
import { noProc, processFor, type ServerTarget } from '../behaviours/client';
import { init } from '../decorators';
import { AlreadyRegisteredError, ArgumentError, GenServerError, describeServer } from '../errors';
import { GenServer } from '../behaviours/gen_server';
import { context } from '../process/context';
import { ViaName, type Name, type NameRegistry } from '../process/names';
import type { Process } from '../process/process';
import { PROC, type ServerRef } from '../process/ref';
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

/**
 * The registry's table: key → entries, and each registered process → its keys. Reads are plain
 * map lookups, so they are synchronous. Each registered process carries one exit hook that removes
 * its entries the moment it exits.
 */
class RegistryTable implements NameRegistry {
  private readonly entries = new Map<unknown, Entry[]>();
  private readonly byProc = new Map<Process, { keys: Set<unknown>; onExit: () => void }>();

  constructor(readonly keys: RegistryKeys) {}

  register(proc: Process, key: unknown, value: unknown): void {
    const list = this.entries.get(key);
    if (this.keys === 'unique' && list !== undefined && list.length > 0) throw new AlreadyRegisteredError(key, list[0].proc.ref);
    if (list) list.push({ proc, value });
    else this.entries.set(key, [{ proc, value }]);
    let owned = this.byProc.get(proc);
    if (owned === undefined) {
      owned = { keys: new Set(), onExit: () => this.removeProcess(proc) };
      this.byProc.set(proc, owned);
      proc.onExit(owned.onExit);
    }
    owned.keys.add(key);
  }

  unregister(proc: Process, key: unknown): void {
    const list = this.entries.get(key);
    if (list !== undefined) {
      const rest = list.filter((e) => e.proc !== proc);
      if (rest.length > 0) this.entries.set(key, rest);
      else this.entries.delete(key);
    }
    const owned = this.byProc.get(proc);
    if (owned === undefined) return;
    owned.keys.delete(key);
    if (owned.keys.size === 0) {
      this.byProc.delete(proc);
      proc.offExit(owned.onExit);
    }
  }

  lookup(key: unknown): RegistryEntry[] {
    return (this.entries.get(key) ?? []).map((e) => ({ ref: e.proc.ref, value: e.value }));
  }

  keysOf(proc: Process): unknown[] {
    return [...(this.byProc.get(proc)?.keys ?? [])];
  }

  count(): number {
    let n = 0;
    for (const list of this.entries.values()) n += list.length;
    return n;
  }

  removeProcess(proc: Process): void {
    const owned = this.byProc.get(proc);
    if (owned === undefined) return;
    for (const key of [...owned.keys]) this.unregister(proc, key);
  }

  clear(): void {
    for (const [proc, owned] of this.byProc) proc.offExit(owned.onExit);
    this.byProc.clear();
    this.entries.clear();
  }

  whereisName(key: unknown): Process | undefined {
    const entry = this.entries.get(key)?.[0];
    return entry !== undefined && !entry.proc.isDead ? entry.proc : undefined;
  }

  registerName(key: unknown, proc: Process): boolean {
    if (this.entries.get(key)?.length) return false;
    this.register(proc, key, undefined);
    return true;
  }

  unregisterName(key: unknown, proc: Process): void {
    this.unregister(proc, key);
  }
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

  /** A child spec for running it under a Supervisor: `[Registry, { keys: 'unique', name: 'rooms' }]`. */
  static childSpec(options: RegistryOptions): { id: string; start: () => Promise<ServerRef>; type: 'worker' } {
    const id = typeof options?.name === 'string' ? options.name : 'Registry';
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

  /** Registers the running server under `key` with `value`. Throws `AlreadyRegisteredError` for a taken unique key. */
  static register(reg: ServerTarget, key: unknown, value?: unknown): void {
    tableOf(reg).register(running('register'), key, value);
  }

  /** Removes the running server's entries under `key`. */
  static unregister(reg: ServerTarget, key: unknown): void {
    tableOf(reg).unregister(running('unregister'), key);
  }

  /** `[{ ref, value }]` for `key` (empty if none). */
  static lookup<V = unknown>(reg: ServerTarget, key: unknown): RegistryEntry<V>[] {
    return tableOf(reg).lookup(key) as RegistryEntry<V>[];
  }

  /** The keys `server` is registered under. */
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
    const table = new RegistryTable(keys);
    // However the registry exits (even killed, without terminate), its entries go with it.
    this.self[PROC].onExit(() => table.clear());
    return table;
  }
}

Object.defineProperty(RegistryServer, 'name', { value: 'Registry' });
