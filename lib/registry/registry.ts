import { childIdFor } from '../behaviours/child_spec';
import { processFor, type ServerTarget } from '../behaviours/client';
import type { GenServer } from '../behaviours/gen_server';
import { ArgumentError, describeServer } from '../errors';
import { context } from '../process/context';
import { ViaName } from '../process/names';
import type { ServerRef } from '../process/ref';
import { compileSelect, compileValueMatch, Match, NO_RESULT, type Guard, type SelectClause } from './match_spec';
import { checkMetaKey, running, startRegistry, tableOf, ViaResolver, type RegistryOptions, type RegistryServer } from './server';
import type { RegistryEntry } from './table';

/** Options of `Registry.dispatch`. */
export interface DispatchOptions {
  /** Only entries whose value matches this pattern (see `Registry.match`). Default: all. */
  pattern?: unknown;
  /** Guards over the pattern's variables. Default none. */
  guards?: readonly Guard[];
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
  /**
   * Starts a registry. Options: `keys` (`'unique'` or `'duplicate'`, required), `name` (none),
   * `partitions` (1), `listeners` (`[]`), `meta` (`{}`).
   * `await Registry.start({ keys: 'duplicate', name: 'topics', listeners: ['audit'] })`.
   */
  static start(options: RegistryOptions): Promise<ServerRef<RegistryServer>> {
    return startRegistry(options, false);
  }

  /** `start`, linked to the running server. */
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
   * A server started under it is registered with `value` (default undefined), as Elixir's
   * `{:via, Registry, {reg, key, value}}`; a via name without the value still finds it.
   * `Registry.via<Room>(reg, key)` names a `Room`: calls through it are typed like a `ServerRef<Room>`.
   */
  static via(reg: ServerTarget, key: unknown, value?: unknown): ViaName;
  static via<S extends GenServer>(reg: ServerTarget, key: unknown, value?: unknown): ViaName<S>;
  static via(reg: ServerTarget, key: unknown, value?: unknown): ViaName {
    const table = tableOf(reg);
    if (table.keys !== 'unique') throw new ArgumentError('registry', reg, "a Registry with keys: 'unique' (via names need unique keys)");
    return new ViaName(new ViaResolver(reg, value), key, describeServer(reg));
  }

  /**
   * Registers the running server under `key` with `value` (default undefined), and links it to the
   * registry until its last key is unregistered, as in OTP: a registry crash takes it down. In a
   * duplicate registry, registering one key twice makes two entries. Throws `AlreadyRegisteredError`
   * for a taken unique key. Listeners get `@handleInfo('register')`.
   * `Registry.register(topics, 'news', { since: Date.now() })`.
   */
  static register(reg: ServerTarget, key: unknown, value?: unknown): void {
    tableOf(reg).register(running('register'), key, value);
  }

  /** Removes every entry of the running server under `key`; its last key unlinks it from the registry. Listeners get `@handleInfo('unregister')`. */
  static unregister(reg: ServerTarget, key: unknown): void {
    tableOf(reg).unregister(running('unregister'), key);
  }

  /**
   * Removes the running server's entries under `key` whose value matches `pattern` and `guards`
   * (see `match`). When that leaves it none under `key`, it is an `unregister` (listeners hear of it).
   * `Registry.unregisterMatch(topics, 'news', { lang: 'fr' })`.
   */
  static unregisterMatch(reg: ServerTarget, key: unknown, pattern: unknown, guards: readonly Guard[] = []): void {
    const table = tableOf(reg);
    const proc = running('unregisterMatch');
    table.unregisterWhere(proc, key, compileValueMatch(pattern, guards));
  }

  /** `[{ ref, value }]` for `key` (empty if none). */
  static lookup<V = unknown>(reg: ServerTarget, key: unknown): RegistryEntry<V>[] {
    return tableOf(reg).lookup(key) as RegistryEntry<V>[];
  }

  /**
   * The entries under `key` whose value matches `pattern`, and for which every guard holds (default
   * none). Patterns: `Match._` matches anything, `Match.$(name)` binds, plain objects match objects
   * that have at least those own fields, arrays match arrays of the same length, anything else must be
   * equal (`===`, NaN equal to NaN). Throws `MatchSpecError` for a spec it cannot read.
   *
   * ```ts
   * const { $ } = Match;
   * Registry.match(reg, 'room', { kind: 'chat', size: $('n') }, [['>', $('n'), 10]]); // [{ ref, value }]
   * ```
   */
  static match<V = unknown>(reg: ServerTarget, key: unknown, pattern: unknown, guards: readonly Guard[] = []): RegistryEntry<V>[] {
    const table = tableOf(reg);
    const test = compileValueMatch(pattern, guards);
    const out: RegistryEntry<V>[] = [];
    table.forEachUnder(key, (e) => {
      if (test(e)) out.push({ ref: e.ref, value: e.value as V });
    });
    return out;
  }

  /** How many entries `match` would return, without building them. */
  static countMatch(reg: ServerTarget, key: unknown, pattern: unknown, guards: readonly Guard[] = []): number {
    const table = tableOf(reg);
    const test = compileValueMatch(pattern, guards);
    let n = 0;
    table.forEachUnder(key, (e) => {
      if (test(e)) n++;
    });
    return n;
  }

  /**
   * Selects over every entry with match-spec clauses (Elixir's `select/2`): for each entry, the first
   * clause whose patterns (over `key`, `ref`, `value`; omitted parts match anything) and guards hold
   * gives its `result`, with variables filled in (default `Match.entry`, `{ key, ref, value }`).
   *
   * ```ts
   * const { $, _ } = Match;
   * Registry.select(reg, { match: { key: $('k'), value: { size: $('n') } }, guards: [['>', $('n'), 10]], result: $('k') });
   * Registry.select(reg, [{ match: { key: 'a' }, result: 'first' }, { result: 'other' }]);
   * ```
   */
  static select<R = unknown>(reg: ServerTarget, spec: SelectClause | readonly SelectClause[]): R[] {
    const table = tableOf(reg);
    const { select, keyHint } = compileSelect(spec);
    const out: R[] = [];
    const visit = (e: Parameters<typeof select>[0]) => {
      const r = select(e);
      if (r !== NO_RESULT) out.push(r as R);
    };
    if (keyHint !== undefined) table.forEachUnder(keyHint.key, visit);
    else table.forEach(visit);
    return out;
  }

  /** How many entries some clause of `spec` matches (their results are not built). */
  static countSelect(reg: ServerTarget, spec: SelectClause | readonly SelectClause[]): number {
    const table = tableOf(reg);
    const { select, keyHint } = compileSelect(spec);
    let n = 0;
    const visit = (e: Parameters<typeof select>[0]) => {
      if (select(e) !== NO_RESULT) n++;
    };
    if (keyHint !== undefined) table.forEachUnder(keyHint.key, visit);
    else table.forEach(visit);
    return n;
  }

  /** The keys `server` is registered under; a duplicate key once per registration (`['hello', 'hello']`). */
  static keys(reg: ServerTarget, server: ServerTarget): unknown[] {
    const table = tableOf(reg);
    const proc = processFor(server);
    return proc === undefined ? [] : table.keysOf(proc);
  }

  /** The values `server` registered under `key`, in order: `[]`, `[value]`, or several in a duplicate registry. */
  static values<V = unknown>(reg: ServerTarget, key: unknown, server: ServerTarget): V[] {
    const table = tableOf(reg);
    const proc = processFor(server);
    return proc === undefined ? [] : (table.valuesOf(proc, key) as V[]);
  }

  /**
   * In a unique registry, replaces the running server's value under `key` by `fn(old)` and returns
   * `[newValue, oldValue]`; `undefined` when the running server does not hold `key`. A duplicate
   * registry throws `ArgumentError`, as in Elixir. `Registry.updateValue(reg, 'counter', (n: number) => n + 1)`.
   */
  static updateValue<V = unknown>(reg: ServerTarget, key: unknown, fn: (old: V) => V): [V, V] | undefined {
    const table = tableOf(reg);
    if (table.keys !== 'unique')
      throw new ArgumentError('registry', reg, "a Registry with keys: 'unique' (updateValue is not supported for duplicate keys)");
    if (typeof fn !== 'function') throw new ArgumentError('fn', fn, 'a function from the old value to the new one');
    return table.updateValue(running('updateValue'), key, fn as (old: unknown) => unknown) as [V, V] | undefined;
  }

  /**
   * Calls `fn` with the entries under `key`: once, or in a partitioned duplicate registry once per
   * partition that has entries; not at all when there are none. `options.pattern` and `guards` keep
   * only the entries that match (see `match`). It runs in the caller: the registrants take part only
   * if `fn` sends them something.
   */
  static dispatch<V = unknown>(
    reg: ServerTarget,
    key: unknown,
    fn: (entries: RegistryEntry<V>[]) => void,
    options?: DispatchOptions,
  ): void {
    const table = tableOf(reg);
    const test =
      options?.pattern === undefined && options?.guards === undefined
        ? undefined
        : compileValueMatch(options.pattern ?? Match._, options.guards ?? []);
    for (const group of table.groups(key)) {
      const entries = test === undefined ? group : group.filter((e) => test({ key, ref: e.ref, value: e.value }));
      if (entries.length > 0) fn(entries as RegistryEntry<V>[]);
    }
  }

  /**
   * Runs `fn` under `lockKey` (a namespace apart from the keys): only one function per lock key runs
   * at a time, in the order they asked, and the next starts when the previous one's promise settles.
   * Resolves to what `fn` returns, rejects with what it throws. An uncontended `fn` runs at once, still
   * inside the calling handler. As in Elixir, a lock held by a server is released if that server
   * exits, and a waiting server that exits is skipped; waiters reject with `NoProcError` if the
   * registry stops. `await Registry.lock(reg, 'invoice:7', async () => write(await read()))`.
   */
  static lock<T>(reg: ServerTarget, lockKey: unknown, fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
    try {
      const table = tableOf(reg);
      if (typeof fn !== 'function') throw new ArgumentError('fn', fn, 'a function to run under the lock');
      return table.locks.lock(lockKey, context.current, fn);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** How many entries the registry holds. */
  static count(reg: ServerTarget): number {
    return tableOf(reg).count();
  }

  /** The registry's metadata under `key` (a string or symbol), or `undefined`. */
  static meta<V = unknown>(reg: ServerTarget, key: string | symbol): V | undefined {
    return tableOf(reg).meta.get(checkMetaKey(key)) as V | undefined;
  }

  /** Stores metadata under `key`; from anywhere, not only from a server. */
  static putMeta(reg: ServerTarget, key: string | symbol, value: unknown): void {
    tableOf(reg).meta.set(checkMetaKey(key), value);
  }

  /** Deletes the metadata under `key`. */
  static deleteMeta(reg: ServerTarget, key: string | symbol): void {
    tableOf(reg).meta.delete(checkMetaKey(key));
  }
}
