import {
  checkIntensity,
  checkOptionKeys,
  childIdFor,
  shouldRestart,
  shutdownChild,
  startChildAs,
  stateOfServer,
  toChildSpec,
  unwrap,
  type ChildSpec,
  type ChildSpecInput,
  type FullChildSpec,
  type RestartIntensity,
} from './child_spec';
import { call, type ServerTarget } from './client';
import { handleCall, handleInfo, init, terminate } from '../decorators';
import { ArgumentError, BadReturnError, ChildNotFoundError, ChildStartError, MaxChildrenError, describeReason } from '../errors';
import { GenServer } from './gen_server';
import { logger } from '../logger';
import type { ExitMessage } from '../process/links';
import type { Name } from '../process/names';
import { isCleanReason } from '../process/exit';
import type { Process } from '../process/process';
import { PROC, ServerRef } from '../process/ref';
import { ignore, noreply, reply, Return, stop } from '../returns';
import { startServer } from './start';
import { countChildren, type ChildCounts, type ChildInfo, type ModuleSupervisorOptions, type SupervisorView } from './supervisor';
import { routerFor } from '../metadata';

/** Options of `DynamicSupervisor.start`. */
export interface DynamicSupervisorOptions {
  /** Accepted for Elixir's sake: 'one_for_one' is the only strategy (and the default). */
  strategy?: 'one_for_one';
  /** `startChild` beyond this many children (running or being restarted) rejects with `MaxChildrenError`. Default Infinity. */
  maxChildren?: number;
  /** Default 3 restarts within maxSeconds 5. */
  maxRestarts?: number;
  maxSeconds?: number;
  /**
   * Passed to every child's start first (Elixir's `extra_arguments`): a `[Class, arg]` child starts
   * with `[...extraArguments, arg]`, a spec's `start` is called with them. Default `[]`.
   */
  extraArguments?: readonly unknown[];
  name?: Name;
}

interface Child {
  spec: FullChildSpec;
  ref: ServerRef | 'restarting';
}

interface DynamicState {
  /**
   * Keyed by the child's process, for O(1) exits among very many children. A child being restarted
   * stays under the process that exited (ref 'restarting'), as in OTP: counted, listed, and
   * terminateChild(thatRef) stops its retries.
   */
  // Keyed by ref (interned for a child on another node, which has no process here).
  children: Map<ServerRef, Child>;
  maxChildren: number;
  intensity: RestartIntensity;
  extraArguments: readonly unknown[];
}

const OPTION_KEYS = ['strategy', 'maxChildren', 'maxRestarts', 'maxSeconds', 'extraArguments', 'name'];
const RETRY = '$dynamic_supervisor:retry';

function checkOptions(options: unknown): DynamicSupervisorOptions {
  if (options === undefined) return {};
  const o = checkOptionKeys(options, OPTION_KEYS, '{ maxChildren: 1000 }');
  if (o.strategy !== undefined && o.strategy !== 'one_for_one') {
    throw new ArgumentError(
      'options.strategy',
      o.strategy,
      "'one_for_one', the only strategy of a DynamicSupervisor (use a Supervisor for the others)",
    );
  }
  if (
    o.maxChildren !== undefined &&
    !(typeof o.maxChildren === 'number' && o.maxChildren >= 0 && (Number.isInteger(o.maxChildren) || o.maxChildren === Infinity))
  ) {
    throw new ArgumentError('options.maxChildren', o.maxChildren, 'a whole number >= 0 or Infinity');
  }
  if (o.extraArguments !== undefined && !Array.isArray(o.extraArguments)) {
    throw new ArgumentError('options.extraArguments', o.extraArguments, 'an array of arguments for every child');
  }
  checkIntensity(o);
  return o as DynamicSupervisorOptions;
}

function stateOf(sup: ServerTarget): DynamicState {
  return stateOfServer(sup, DynamicSupervisorServer, 'DynamicSupervisor');
}

function startDynamic(options: unknown, linked: boolean): Promise<ServerRef<DynamicSupervisorServer>> {
  try {
    const opts = checkOptions(options);
    const startOptions = opts.name === undefined ? undefined : { name: opts.name };
    return startServer(DynamicSupervisorServer, GenServer, opts, startOptions, linked) as Promise<ServerRef<DynamicSupervisorServer>>;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A module-based DynamicSupervisor's start: the module's `@init` runs in the new supervisor with `arg`. */
function startModule(module: Function, arg: unknown, options: unknown, linked: boolean): Promise<ServerRef<DynamicSupervisorServer>> {
  try {
    const o = options === undefined ? {} : checkOptionKeys(options, ['name'], "{ name: 'rooms' }");
    if (routerFor(module, DynamicSupervisor).init === undefined) {
      throw new ArgumentError(
        module.name || 'supervisor class',
        module,
        'a class extending DynamicSupervisor with an @init method that returns DynamicSupervisor.init(flags)',
      );
    }
    const name = o.name as Name | undefined;
    return startServer(DynamicSupervisorServer, GenServer, { module, arg }, name === undefined ? undefined : { name }, linked) as Promise<
      ServerRef<DynamicSupervisorServer>
    >;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** What `DynamicSupervisor.init(flags)` returns, for a module-based DynamicSupervisor's `@init`. */
export class DynamicSupervisorInit {
  /** @internal */
  constructor(readonly options: DynamicSupervisorOptions) {}
}

/**
 * A supervisor that starts with no children and starts them on demand, one_for_one, designed for
 * very many children (a room per chat room, a session per user).
 *
 * ```ts
 * const dyn = await DynamicSupervisor.start({ maxChildren: 1000 });
 * const child = await DynamicSupervisor.startChild(dyn, [Counter, 0]);
 * await DynamicSupervisor.terminateChild(dyn, child);
 * ```
 */
export class DynamicSupervisor {
  /**
   * Starts a DynamicSupervisor. On a class extending DynamicSupervisor (a module-based one),
   * `Rooms.start(arg, { name })` runs its `@init` with `arg` in the new supervisor instead; `@init`
   * returns `DynamicSupervisor.init(flags)`.
   */
  static start(options?: DynamicSupervisorOptions): Promise<ServerRef<DynamicSupervisorServer>>;
  static start(arg?: unknown, options?: ModuleSupervisorOptions): Promise<ServerRef<DynamicSupervisorServer>>;
  static start(this: Function, a?: unknown, options?: unknown): Promise<ServerRef<DynamicSupervisorServer>> {
    return this === DynamicSupervisor ? startDynamic(a, false) : startModule(this, a, options, false);
  }

  static startLink(options?: DynamicSupervisorOptions): Promise<ServerRef<DynamicSupervisorServer>>;
  static startLink(arg?: unknown, options?: ModuleSupervisorOptions): Promise<ServerRef<DynamicSupervisorServer>>;
  static startLink(this: Function, a?: unknown, options?: unknown): Promise<ServerRef<DynamicSupervisorServer>> {
    return this === DynamicSupervisor ? startDynamic(a, true) : startModule(this, a, options, true);
  }

  /**
   * What a module-based DynamicSupervisor's `@init` returns (Elixir's `DynamicSupervisor.init/1`):
   * its flags — `maxChildren` (Infinity), `maxRestarts` (3), `maxSeconds` (5), `extraArguments` ([]).
   *
   * ```ts
   * class Rooms extends DynamicSupervisor {
   *   @init setup(region: string) { return DynamicSupervisor.init({ maxChildren: 1000, extraArguments: [region] }); }
   * }
   * ```
   */
  static init(flags: Omit<DynamicSupervisorOptions, 'name'> = {}): DynamicSupervisorInit {
    if (typeof flags === 'object' && flags !== null && 'name' in flags) {
      throw new ArgumentError('flags.name', (flags as DynamicSupervisorOptions).name, 'no name here: pass it to start/startLink');
    }
    return new DynamicSupervisorInit(checkOptions(flags));
  }

  /** A child spec for running it under a Supervisor: `[DynamicSupervisor, options]`; id from `options.name` as for a Supervisor, else 'DynamicSupervisor'. */
  static childSpec(this: Function, options?: unknown): ChildSpec {
    if (this !== DynamicSupervisor) {
      // A module-based one: `[Rooms, arg]`, id the class name.
      const module = this as unknown as { name: string; startLink(arg?: unknown): Promise<ServerRef<DynamicSupervisorServer>> };
      return { id: module.name, start: () => module.startLink(options), type: 'supervisor', shutdown: 'infinity', restart: 'permanent' };
    }
    const opts = options as DynamicSupervisorOptions | undefined;
    const id = childIdFor(opts?.name, 'DynamicSupervisor');
    return { id, start: () => DynamicSupervisor.startLink(opts), type: 'supervisor', shutdown: 'infinity', restart: 'permanent' };
  }

  /** Starts a child. Rejects with `MaxChildrenError` (nothing started) or `ChildStartError`. */
  static startChild(sup: ServerTarget, spec: ChildSpecInput): Promise<ServerRef | undefined> {
    try {
      return unwrap(call(sup, 'startChild', toChildSpec(spec), Infinity));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stops a child by its ref, and forgets it. A child whose restart failed is known by the ref it had
   * when it exited: this ends its retries. Rejects with `ChildNotFoundError` if it is not a child.
   */
  static terminateChild(sup: ServerTarget, child: ServerRef): Promise<void> {
    return unwrap(call(sup, 'terminateChild', child, Infinity));
  }

  /** `[{ id: undefined, ref | 'restarting', type }]`. Synchronous. */
  static whichChildren(sup: ServerTarget): ChildInfo[] {
    return Array.from(stateOf(sup).children.values(), (c) => ({ id: undefined, ref: c.ref, type: c.spec.type }));
  }

  /** `{ specs, active, supervisors, workers }`; a child being restarted is a spec, not active. Synchronous. */
  static countChildren(sup: ServerTarget): ChildCounts {
    return countChildren(stateOf(sup).children.values());
  }
}

function stateFor(options: DynamicSupervisorOptions): DynamicState {
  return {
    children: new Map(),
    maxChildren: options.maxChildren ?? Infinity,
    intensity: checkIntensity(options),
    extraArguments: options.extraArguments ?? [],
  };
}

/** The server behind a DynamicSupervisor ref (internal: use the `DynamicSupervisor` functions). */
export class DynamicSupervisorServer extends GenServer<DynamicState> {
  private get proc(): Process {
    return this.self[PROC];
  }

  @init
  setup(start: DynamicSupervisorOptions | { module: Function; arg: unknown }) {
    this.trapExits(true);
    return 'module' in start ? this.moduleInit(start.module, start.arg) : stateFor(start);
  }

  /** Runs a module-based DynamicSupervisor's `@init` here, in the supervisor, for its flags. */
  private async moduleInit(module: Function, arg: unknown) {
    const init = routerFor(module, DynamicSupervisor).init!;
    const result: unknown = await init.fn.call(new (module as new () => object)(), arg);
    if (result instanceof Return && result.kind === 'ignore') return ignore();
    if (!(result instanceof DynamicSupervisorInit)) {
      throw new BadReturnError(this.self, init.name, undefined, result, 'DynamicSupervisor.init(flags) or ignore()');
    }
    return stateFor(result.options);
  }

  @handleCall('startChild')
  async startChildCall(spec: FullChildSpec, state: DynamicState) {
    if (state.children.size >= state.maxChildren) {
      return reply({ error: new MaxChildrenError(this.self, state.maxChildren) }, state);
    }
    try {
      const ref = await startChildAs(this.proc, spec, state.extraArguments);
      if (ref !== undefined) state.children.set(ref, { spec, ref });
      return reply({ ok: ref }, state);
    } catch (error) {
      return reply({ error: new ChildStartError(spec.id, error) }, state);
    }
  }

  @handleCall('terminateChild')
  async terminateChildCall(ref: ServerRef, state: DynamicState) {
    const child = ref instanceof ServerRef ? state.children.get(ref) : undefined;
    if (child === undefined) return reply({ error: new ChildNotFoundError(this.self, ref) }, state);
    state.children.delete(ref);
    // A restarting child has nothing running; its queued retry will find it gone.
    if (child.ref instanceof ServerRef) await shutdownChild(this.proc, child.ref, child.spec.shutdown);
    return reply({ ok: undefined }, state);
  }

  @handleInfo('EXIT')
  async childExited({ from, reason }: ExitMessage, state: DynamicState) {
    // Sent outside any server: by the code that owns it, as OTP's parent (see Supervisor).
    if (from === undefined) return stop(reason, state);
    const proc = from;
    const child = state.children.get(proc);
    if (child === undefined || child.ref !== from) return noreply(state);
    if (!shouldRestart(child.spec.restart, reason, isCleanReason(reason))) {
      state.children.delete(proc);
      return noreply(state);
    }
    if (state.intensity.add()) return this.tooManyRestarts(state, reason);
    await this.restart(proc, child, state);
    return noreply(state);
  }

  /** A restart that failed is tried again, one message per child (payload: the ref that exited). */
  @handleInfo(RETRY)
  async retry(ref: ServerRef, state: DynamicState) {
    const exited = ref;
    const child = state.children.get(exited);
    // terminateChild may have removed it meanwhile.
    if (child === undefined || child.ref !== 'restarting') return noreply(state);
    if (state.intensity.add()) return this.tooManyRestarts(state, 'restart failed');
    await this.restart(exited, child, state);
    return noreply(state);
  }

  @terminate
  async shutdown(_reason: unknown, state: DynamicState | undefined) {
    if (state === undefined) return;
    // Unlike a Supervisor's ordered children, dynamic children are independent: stop them all at once.
    const children = [...state.children.values()];
    state.children.clear();
    await Promise.all(children.map((c) => (c.ref instanceof ServerRef ? shutdownChild(this.proc, c.ref, c.spec.shutdown) : undefined)));
  }

  /**
   * Starts `child` again. Meanwhile it stays where it was, under the process that exited, as
   * 'restarting'; it moves under its new process once that runs, and waits for a retry if it fails.
   */
  private async restart(exited: ServerRef, child: Child, state: DynamicState): Promise<void> {
    child.ref = 'restarting';
    let ref: ServerRef | undefined;
    try {
      ref = await startChildAs(this.proc, child.spec, state.extraArguments);
    } catch (error) {
      logger().error(`${this.self} (DynamicSupervisor): child '${child.spec.id}' failed to restart: ${describeReason(error)}`, {
        supervisor: this.self,
        reason: error,
      });
      GenServer.send(this.self, RETRY, exited);
      return;
    }
    state.children.delete(exited);
    if (ref !== undefined) state.children.set(ref, { spec: child.spec, ref });
  }

  private tooManyRestarts(state: DynamicState, reason: unknown) {
    logger().error(
      `${this.self} (DynamicSupervisor) shutting down: more than ${state.intensity.maxRestarts} restarts in ` +
        `${state.intensity.maxSeconds} s; the last exit reason was ${describeReason(reason)}`,
      { supervisor: this.self, reason },
    );
    return stop('shutdown', state);
  }
}

Object.defineProperty(DynamicSupervisorServer, 'name', { value: 'DynamicSupervisor' });

/** @internal What the observer shows of a dynamic supervisor (see `supervisorView`). */
export function dynamicSupervisorView(proc: Process, limit = Infinity): SupervisorView | undefined {
  if (!(proc.server instanceof DynamicSupervisorServer)) return undefined;
  const state = proc.state as DynamicState | undefined;
  if (state?.children === undefined) return undefined;
  const { maxRestarts, maxSeconds, total } = state.intensity;
  // A dynamic supervisor may hold 100 000 children: the view lists the first `limit` and counts the rest.
  const children: Child[] = [];
  for (const c of state.children.values()) {
    if (children.length >= limit) break;
    children.push(c);
  }
  return {
    kind: 'DynamicSupervisor',
    strategy: 'one_for_one',
    maxRestarts,
    maxSeconds,
    restarts: total,
    childCount: state.children.size,
    children: children.map((c) => ({ id: undefined, ref: c.ref, type: c.spec.type, restart: c.spec.restart, restarts: 0 })),
  };
}
