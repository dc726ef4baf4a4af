import { checkOptionKeys, stateOfServer } from '../behaviours/child_spec';
import { isTarget, noProc, processFor, type ServerTarget } from '../behaviours/client';
import { GenServer } from '../behaviours/gen_server';
import { startServer } from '../behaviours/start';
import { handleInfo, init } from '../decorators';
import { ArgumentError, GenServerError } from '../errors';
import { context } from '../process/context';
import type { ExitMessage } from '../process/links';
import type { Name, NameRegistry } from '../process/names';
import type { Process } from '../process/process';
import { PROC, type ServerRef } from '../process/ref';
import { noreply, stop } from '../returns';
import { RegistryTable, type RegistryKeys } from './table';

/** Options of `Registry.start`. */
export interface RegistryOptions {
  /** 'unique': one server per key. 'duplicate': any number. Required. */
  keys: RegistryKeys;
  /** Register the registry under this name. Default none. */
  name?: Name;
  /**
   * How many tables the keys are spread over (Elixir's `:partitions`). Default 1. Unique keys go by
   * their hash, a duplicate registry keeps each server's entries in one partition and `dispatch`
   * calls its function once per partition that has entries. In one event loop this buys no speed.
   */
  partitions?: number;
  /**
   * Servers (names, or refs) told of every `register` and `unregister` by `@handleInfo('register')`
   * with `{ registry, key, ref, value }` and `@handleInfo('unregister')` with `{ registry, key, ref }`.
   * Not told when a registrant exits: a listener that cares monitors it. Default `[]`.
   */
  listeners?: readonly ServerTarget[];
  /** Metadata to start with, for `Registry.meta` (string or symbol keys). Default `{}`. */
  meta?: Readonly<Record<string | symbol, unknown>>;
}

interface Setup {
  keys: RegistryKeys;
  partitions: number;
  listeners: readonly ServerTarget[];
  meta: [string | symbol, unknown][];
}

/** Resolves a via name's registry each time, so a name keeps working with a restarted registry. */
export class ViaResolver implements NameRegistry {
  constructor(
    private readonly registry: ServerTarget,
    /** The value a server started under this name registers with (Elixir's `{registry, key, value}`). */
    private readonly value: unknown,
  ) {}

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
    return table.registerName(key, proc, this.value);
  }

  unregisterName(key: unknown, proc: Process): void {
    this.table()?.unregisterName(key, proc);
  }
}

export function tableOf(reg: ServerTarget): RegistryTable {
  return stateOfServer(reg, RegistryServer, 'Registry');
}

/** The server whose handler is running: the one `register` and friends act for. */
export function running(fn: string): Process {
  const proc = context.current;
  if (proc === undefined) {
    throw new GenServerError(
      `Registry.${fn}() acts for the server whose handler is running, and none is (outside any server, or after an ` +
        `await in a handler). Call it from @init or a handler, before its first await.`,
    );
  }
  return proc;
}

/** Meta keys are strings or symbols, as Elixir's are atoms (or tuples). */
export function checkMetaKey(key: unknown): string | symbol {
  if (typeof key === 'string' || typeof key === 'symbol') return key;
  throw new ArgumentError('key', key, 'a string or a symbol');
}

function checkSetup(options: unknown): { setup: Setup; name: Name | undefined } {
  const o = checkOptionKeys(options, ['keys', 'name', 'partitions', 'listeners', 'meta'], "{ keys: 'unique' }");
  if (o.keys !== 'unique' && o.keys !== 'duplicate') throw new ArgumentError('options.keys', o.keys, "'unique' or 'duplicate'");
  const partitions = o.partitions ?? 1;
  if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1 || partitions > 1024) {
    throw new ArgumentError('options.partitions', partitions, 'an integer from 1 to 1024');
  }
  const listeners = o.listeners ?? [];
  if (!Array.isArray(listeners) || !listeners.every(isTarget)) {
    throw new ArgumentError('options.listeners', listeners, 'an array of server names or refs');
  }
  const meta = o.meta ?? {};
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta))
    throw new ArgumentError('options.meta', meta, 'an object of metadata');
  const entries: [string | symbol, unknown][] = Reflect.ownKeys(meta).map((k) => [k, (meta as Record<string | symbol, unknown>)[k]]);
  return {
    setup: { keys: o.keys, partitions, listeners: [...listeners] as ServerTarget[], meta: entries },
    name: o.name as Name | undefined,
  };
}

export function startRegistry(options: unknown, linked: boolean): Promise<ServerRef<RegistryServer>> {
  try {
    const { setup, name } = checkSetup(options);
    const startOptions = name === undefined ? undefined : { name };
    return startServer(RegistryServer, GenServer, setup, startOptions, linked) as Promise<ServerRef<RegistryServer>>;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The server behind a Registry ref (internal: use the `Registry` functions). */
export class RegistryServer extends GenServer<RegistryTable> {
  @init
  setup({ keys, partitions, listeners, meta }: Setup): RegistryTable {
    // Registrants are linked to it: their exits must not take it down (its parent's still does).
    this.trapExits(true);
    const table = new RegistryTable(keys, this.self[PROC], partitions, listeners);
    for (const [k, v] of meta) table.meta.set(k, v);
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
