import { ArgumentError, StopTimeoutError } from '../errors';
import { exit, isRemote, noProc, processFor, stop, type ServerTarget } from './client';
import { remote } from '../process/remote';
import { now as clockNow } from '../process/clock';
import { context } from '../process/context';
import { link, unlink } from '../process/links';
import { ViaName } from '../process/names';
import type { Process } from '../process/process';
import { PROC, ServerRef } from '../process/ref';
import { inspect } from 'node:util';

export type Restart = 'permanent' | 'transient' | 'temporary';
export type Shutdown = number | 'brutal_kill' | 'infinity';
export type ChildType = 'worker' | 'supervisor';

/**
 * How a supervisor starts, restarts and stops one child. `start` must resolve to the child's ref
 * (or `undefined` to be ignored); it runs as the supervisor, so `startLink` links to it.
 */
export interface ChildSpec {
  /** Unique among a supervisor's children. For a class, the class's name. */
  id: string;
  /** Called with a DynamicSupervisor's `extraArguments` (none elsewhere). */
  start: (...extraArguments: never[]) => Promise<ServerRef | undefined>;
  /** Default 'permanent': always restarted. 'transient': only after a crash. 'temporary': never. */
  restart?: Restart;
  /** Default 5000 ms for a worker ('infinity' for a supervisor); then it is killed. */
  shutdown?: Shutdown;
  /** Default 'worker'. */
  type?: ChildType;
}

/** A child spec with every default filled in. */
export type FullChildSpec = Required<ChildSpec>;

/** A class that can describe itself as a child: every GenServer subclass can. */
export interface ChildSpecSource {
  readonly name: string;
  childSpec(arg?: unknown): ChildSpec;
}

/** What supervisors accept: `Class`, `[Class, arg]`, or a full spec object. */
export type ChildSpecInput = ChildSpecSource | readonly [ChildSpecSource, unknown] | ChildSpec;

/** `GenServer.childSpec(arg)`'s default: id = class name, start = startLink(arg), permanent, 5000, worker. */
export function defaultChildSpec(cls: { name: string; startLink(arg?: unknown): Promise<unknown> }, arg: unknown): FullChildSpec {
  return {
    id: cls.name,
    // A DynamicSupervisor's extraArguments come first, as in Elixir: startLink([...extra, arg]).
    start: (...extra: unknown[]) => cls.startLink(extra.length === 0 ? arg : [...extra, arg]) as Promise<ServerRef | undefined>,
    restart: 'permanent',
    shutdown: 5000,
    type: 'worker',
  };
}

/**
 * The child id a named supervisor or registry gets by default, so that two of them under one parent
 * differ: a string name itself, a class's name, a via name as `via('rooms', 'lobby')`. Without a
 * name, `fallback` (the kind: 'Supervisor'...). `childIdFor(Registry.via('names', 'a'), 'Registry')`.
 */
export function childIdFor(name: unknown, fallback: string): string {
  if (typeof name === 'string' && name.length > 0) return name;
  if (typeof name === 'function' && typeof name.name === 'string' && name.name.length > 0) return name.name;
  if (name instanceof ViaName) return `via(${name.label}, ${describeKey(name.key)})`;
  return fallback;
}

/** A via key as an id part; a key whose inspection throws (a revoked Proxy...) still gets one. */
function describeKey(key: unknown): string {
  try {
    return inspect(key, { depth: 2, breakLength: Infinity });
  } catch {
    return `<${typeof key}>`;
  }
}

const RESTARTS: readonly string[] = ['permanent', 'transient', 'temporary'];
const TYPES: readonly string[] = ['worker', 'supervisor'];

/** Turns any accepted form into a full spec, or throws an ArgumentError saying what is wrong. */
export function toChildSpec(input: unknown): FullChildSpec {
  let spec: unknown = input;
  if (typeof input === 'function') spec = callChildSpec(input, undefined, 'child');
  else if (Array.isArray(input)) {
    if (input.length !== 2 || typeof input[0] !== 'function') {
      throw new ArgumentError('child', input, 'a class, [Class, startArg] or a child spec object');
    }
    spec = callChildSpec(input[0], input[1], 'child[0]');
  }
  if (typeof spec !== 'object' || spec === null) {
    throw new ArgumentError('child', input, 'a class, [Class, startArg] or a child spec object { id, start }');
  }
  const s = spec as Partial<ChildSpec>;
  if (typeof s.id !== 'string' || s.id.length === 0) throw new ArgumentError('child.id', s.id, 'a non-empty string');
  if (typeof s.start !== 'function') throw new ArgumentError('child.start', s.start, 'a function returning a promise of the child ref');
  const type = s.type ?? 'worker';
  if (!TYPES.includes(type)) throw new ArgumentError('child.type', s.type, "'worker' or 'supervisor'");
  const restart = s.restart ?? 'permanent';
  if (!RESTARTS.includes(restart)) throw new ArgumentError('child.restart', s.restart, "'permanent', 'transient' or 'temporary'");
  const shutdown = s.shutdown ?? (type === 'supervisor' ? 'infinity' : 5000);
  if (
    !(shutdown === 'brutal_kill' || shutdown === 'infinity' || (typeof shutdown === 'number' && shutdown >= 0 && shutdown !== Infinity))
  ) {
    throw new ArgumentError('child.shutdown', s.shutdown, "a number of ms >= 0, 'brutal_kill' or 'infinity'");
  }
  return { id: s.id, start: s.start, restart, shutdown, type };
}

function callChildSpec(cls: Function, arg: unknown, argument: string): unknown {
  const source = cls as Partial<ChildSpecSource> & { startLink?: (arg?: unknown) => Promise<unknown> };
  if (typeof source.childSpec === 'function') return source.childSpec(arg);
  if (typeof source.startLink === 'function')
    return defaultChildSpec(source as { name: string; startLink(arg?: unknown): Promise<unknown> }, arg);
  throw new ArgumentError(argument, cls, 'a GenServer subclass or a child spec object');
}

/** Whether a child that exited with `reason` is restarted. */
export function shouldRestart(restart: Restart, reason: unknown, clean: boolean): boolean {
  void reason;
  return restart === 'permanent' || (restart === 'transient' && !clean);
}

/**
 * Starts a child as the supervisor, so the child's startLink links to it; links it anyway if its
 * start function did not. Resolves to the ref, or undefined (ignored). If the child is already dead
 * by then, its exit still reaches the supervisor, as an EXIT with reason 'noproc'.
 */
export function startChildAs(
  sup: Process,
  spec: FullChildSpec,
  extraArguments: readonly unknown[] = NO_ARGUMENTS,
): Promise<ServerRef | undefined> {
  const previous = context.current;
  context.current = sup;
  let started: Promise<ServerRef | undefined>;
  try {
    started = Promise.resolve((spec.start as (...extra: unknown[]) => Promise<ServerRef | undefined>)(...extraArguments));
  } catch (error) {
    return Promise.reject(error);
  } finally {
    context.current = previous;
  }
  return started.then((ref) => {
    if (ref === undefined) return undefined;
    if (!(ref instanceof ServerRef)) {
      throw new ArgumentError(`start() of child '${spec.id}'`, ref, 'a promise of a ServerRef (or of undefined, to ignore the child)');
    }
    const child = ref[PROC];
    // On another node: startLink linked it there; link it anyway if its start did not.
    if (child === undefined) {
      remote.hooks?.link(sup, ref);
      return ref;
    }
    // Dead already: a linked child's EXIT is on its way; an unlinked one's must be made up.
    if (child.isDead) {
      if (child.parent !== sup) sup.exitSignal(child, child.exitReason);
    } else if (!child.links?.has(sup)) {
      link(sup, child);
      child.parent ??= sup;
    }
    return ref;
  });
}

/**
 * Shuts a child down: unlinks it (so its exit is not taken for a crash), then `stop(child,
 * 'shutdown', shutdown)` — terminate runs — and kills it if the time runs out; 'brutal_kill' kills
 * at once without terminate.
 */
export async function shutdownChild(sup: Process, ref: ServerRef, shutdown: Shutdown): Promise<void> {
  const child = ref[PROC];
  if (child === undefined && isRemote(ref)) return shutdownRemoteChild(sup, ref, shutdown);
  unlink(sup, child);
  if (child.isDead) return;
  if (shutdown === 'brutal_kill') return child.kill();
  try {
    await stop(ref, 'shutdown', shutdown === 'infinity' ? Infinity : shutdown);
  } catch (error) {
    if (error instanceof StopTimeoutError) child.kill();
    // NoProcError: it exited on its own meanwhile; nothing to do.
  }
}

async function shutdownRemoteChild(sup: Process, ref: ServerRef, shutdown: Shutdown): Promise<void> {
  remote.hooks!.unlink(sup, ref);
  if (shutdown === 'brutal_kill') return exit(ref, 'kill');
  try {
    await stop(ref, 'shutdown', shutdown === 'infinity' ? Infinity : shutdown);
  } catch (error) {
    if (error instanceof StopTimeoutError) exit(ref, 'kill');
    // NoProcError, NodeDownError: it is gone already.
  }
}
const NO_ARGUMENTS: readonly unknown[] = [];

/** Restart intensity: more than `maxRestarts` restarts within `maxSeconds` is too many. */
export class RestartIntensity {
  private readonly times: number[] = [];
  /** Restarts since the supervisor started (the observer shows it). */
  total = 0;

  constructor(
    readonly maxRestarts: number,
    readonly maxSeconds: number,
  ) {}

  /** Records one restart; true if that makes too many. */
  add(): boolean {
    const now = clockNow();
    const horizon = now - this.maxSeconds * 1000;
    while (this.times.length > 0 && this.times[0] <= horizon) this.times.shift();
    this.times.push(now);
    this.total++;
    return this.times.length > this.maxRestarts;
  }
}

/** Validates the restart-intensity options shared by both supervisors. */
export function checkIntensity(options: { maxRestarts?: unknown; maxSeconds?: unknown }): RestartIntensity {
  const { maxRestarts = 3, maxSeconds = 5 } = options;
  if (!(typeof maxRestarts === 'number' && Number.isInteger(maxRestarts) && maxRestarts >= 0)) {
    throw new ArgumentError('options.maxRestarts', maxRestarts, 'a whole number >= 0');
  }
  if (!(typeof maxSeconds === 'number' && maxSeconds > 0 && maxSeconds !== Infinity)) {
    throw new ArgumentError('options.maxSeconds', maxSeconds, 'a finite number > 0');
  }
  return new RestartIntensity(maxRestarts, maxSeconds);
}

/** What a management call replies: an error travels back as a value, and `unwrap` throws it. */
export type Outcome<T> = { ok: T } | { error: Error };

export async function unwrap<T>(outcome: Promise<unknown>): Promise<T> {
  const o = (await outcome) as Outcome<T>;
  if ('error' in o) throw o.error;
  return o.ok;
}

/** Checks an options object against the keys it may have; returns it as a record. */
export function checkOptionKeys(options: unknown, keys: readonly string[], example: string): Record<string, unknown> {
  if (typeof options !== 'object' || options === null) throw new ArgumentError('options', options, `an object such as ${example}`);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!keys.includes(key)) throw new ArgumentError(`options.${key}`, o[key], `one of: ${keys.join(', ')}`);
  }
  return o;
}

/**
 * The state of a running server of class `cls`, read synchronously (supervisors' and registries'
 * reads). Throws NoProcError if it is not alive, ArgumentError if it is another kind of server.
 */
export function stateOfServer<S>(target: ServerTarget, cls: Function, what: string): S {
  const proc = processFor(target);
  if (proc === undefined || proc.isDead) throw noProc(target);
  if (!(proc.server instanceof cls) || proc.state === undefined) {
    throw new ArgumentError(what.charAt(0).toLowerCase() + what.slice(1), target, `the ref or name of a started ${what}`);
  }
  return proc.state as S;
}
