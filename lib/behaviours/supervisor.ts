import {
  checkIntensity,
  childIdFor,
  checkOptionKeys,
  shouldRestart,
  stateOfServer,
  unwrap,
  shutdownChild,
  startChildAs,
  toChildSpec,
  type ChildSpec,
  type ChildSpecInput,
  type ChildType,
  type FullChildSpec,
  type RestartIntensity,
} from './child_spec';
import { call, isAlive, type ServerTarget } from './client';
import {
  ArgumentError,
  BadReturnError,
  ChildNotFoundError,
  ChildRunningError,
  ChildStartError,
  DuplicateChildError,
  describeReason,
} from '../errors';
import { handleCall, handleInfo, init, terminate } from '../decorators';
import { GenServer } from './gen_server';
import { logger } from '../logger';
import type { ExitMessage } from '../process/links';
import type { Name } from '../process/names';
import { isCleanReason } from '../process/exit';
import type { Process } from '../process/process';
import { PROC, ServerRef } from '../process/ref';
import { ignore, noreply, reply, Return, stop } from '../returns';
import { routerFor } from '../metadata';
import { startServer } from './start';

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/** Options of `Supervisor.start`. */
export interface SupervisorOptions {
  /** Default 'one_for_one': restart only the child that exited. */
  strategy?: Strategy;
  /** More than this many restarts within `maxSeconds` stop the supervisor. Default 3. */
  maxRestarts?: number;
  /** Default 5. */
  maxSeconds?: number;
  name?: Name;
}

/** One row of `Supervisor.whichChildren`. */
export interface ChildInfo {
  id: string | undefined;
  ref: ServerRef | undefined | 'restarting';
  type: ChildType;
}

/** What `countChildren` tells. */
export interface ChildCounts {
  specs: number;
  active: number;
  supervisors: number;
  workers: number;
}

interface Child {
  spec: FullChildSpec;
  ref: ServerRef | undefined | 'restarting';
  /** Times this child was started again after an exit (the observer shows it). */
  restarts?: number;
}

interface SupervisorState {
  strategy: Strategy;
  children: Child[];
  intensity: RestartIntensity;
}

const STRATEGIES: readonly string[] = ['one_for_one', 'one_for_all', 'rest_for_one'];
const OPTION_KEYS = ['strategy', 'maxRestarts', 'maxSeconds', 'name'];
const RETRY = '$supervisor:retry';

function checkOptions(options: unknown): SupervisorOptions {
  if (options === undefined) return {};
  const o = checkOptionKeys(options, OPTION_KEYS, "{ strategy: 'one_for_one' }");
  if (o.strategy !== undefined && !STRATEGIES.includes(o.strategy as string)) {
    throw new ArgumentError('options.strategy', o.strategy, "'one_for_one', 'one_for_all' or 'rest_for_one'");
  }
  checkIntensity(o);
  return o as SupervisorOptions;
}

function stateOf(sup: ServerTarget): SupervisorState {
  return stateOfServer(sup, SupervisorServer, 'Supervisor');
}

/** Checks children and flags: what `Supervisor.start` and `Supervisor.init` take. */
function prepare(children: unknown, options: unknown): { specs: FullChildSpec[]; options: SupervisorOptions } {
  if (!Array.isArray(children)) throw new ArgumentError('children', children, 'an array of child specs');
  const opts = checkOptions(options);
  const specs = children.map(toChildSpec);
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.id)) throw new ArgumentError('children', spec.id, 'children with distinct ids (give each spec its own `id`)');
    seen.add(spec.id);
  }
  return { specs, options: opts };
}

function startSupervisor(children: unknown, options: unknown, linked: boolean): Promise<ServerRef<SupervisorServer>> {
  try {
    const prepared = prepare(children, options);
    const name = prepared.options.name;
    return startServer(SupervisorServer, GenServer, prepared, name === undefined ? undefined : { name }, linked) as Promise<
      ServerRef<SupervisorServer>
    >;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Options of a module-based supervisor's `start`/`startLink`: its name. The flags come from `Supervisor.init`. */
export interface ModuleSupervisorOptions {
  /** Register the supervisor under this name. Default: none. */
  name?: Name;
}

/** A module-based supervisor's start: the module's `@init` runs in the new supervisor with `arg`. */
function startModule(module: Function, arg: unknown, options: unknown, linked: boolean): Promise<ServerRef<SupervisorServer>> {
  try {
    const o = options === undefined ? {} : checkOptionKeys(options, ['name'], "{ name: 'app' }");
    const init = routerFor(module, Supervisor).init;
    if (init === undefined) {
      throw new ArgumentError(
        module.name || 'supervisor class',
        module,
        'a class extending Supervisor with an @init method that returns Supervisor.init(children, flags)',
      );
    }
    const name = o.name as Name | undefined;
    return startServer(SupervisorServer, GenServer, { module, arg }, name === undefined ? undefined : { name }, linked) as Promise<
      ServerRef<SupervisorServer>
    >;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** What `Supervisor.init(children, flags)` returns, for a module-based supervisor's `@init`. */
export class SupervisorInit {
  /** @internal */
  constructor(
    readonly specs: FullChildSpec[],
    readonly options: SupervisorOptions,
  ) {}
}

/**
 * A supervisor: starts its children in order, restarts them by strategy when they exit, and stops
 * them in reverse order when it stops. Children are `Class`, `[Class, arg]` or `{ id, start, ... }`.
 *
 * ```ts
 * const sup = await Supervisor.start([Counter, [Journal, []]], { strategy: 'one_for_one' });
 * ```
 * Defaults: strategy 'one_for_one', maxRestarts 3 within maxSeconds 5.
 */
export class Supervisor {
  /**
   * Starts a supervisor with `children` (started in order). Rejects with `ChildStartError` if one fails.
   * On a class extending Supervisor (a module-based supervisor), `App.start(arg, { name })` runs its
   * `@init` with `arg` in the new supervisor instead; `@init` returns `Supervisor.init(children, flags)`.
   */
  static start(children: readonly ChildSpecInput[], options?: SupervisorOptions): Promise<ServerRef<SupervisorServer>>;
  static start(arg?: unknown, options?: ModuleSupervisorOptions): Promise<ServerRef<SupervisorServer>>;
  static start(this: Function, a?: unknown, options?: unknown): Promise<ServerRef<SupervisorServer>> {
    return this === Supervisor ? startSupervisor(a, options, false) : startModule(this, a, options, false);
  }

  /** Like `start`, linked to the calling server (a supervisor nested in another). */
  static startLink(children: readonly ChildSpecInput[], options?: SupervisorOptions): Promise<ServerRef<SupervisorServer>>;
  static startLink(arg?: unknown, options?: ModuleSupervisorOptions): Promise<ServerRef<SupervisorServer>>;
  static startLink(this: Function, a?: unknown, options?: unknown): Promise<ServerRef<SupervisorServer>> {
    return this === Supervisor ? startSupervisor(a, options, true) : startModule(this, a, options, true);
  }

  /**
   * What a module-based supervisor's `@init` returns (Elixir's `Supervisor.init/2`): its children
   * and flags — `strategy` ('one_for_one'), `maxRestarts` (3), `maxSeconds` (5). Throws
   * `ArgumentError` for a bad child or flag, as `Supervisor.start` rejects.
   *
   * ```ts
   * class App extends Supervisor {
   *   @init setup(config: Config) {
   *     return Supervisor.init([[Cache, config.size], [TaskSupervisor, { name: 'jobs' }]], { strategy: 'one_for_all' });
   *   }
   * }
   * const app = await App.startLink(config, { name: 'app' }); // nested: [App, config] in a children list
   * ```
   */
  static init(children: readonly ChildSpecInput[], flags?: Omit<SupervisorOptions, 'name'>): SupervisorInit {
    if (flags !== undefined && typeof flags === 'object' && flags !== null && 'name' in flags) {
      throw new ArgumentError('flags.name', (flags as SupervisorOptions).name, 'no name here: pass it to start/startLink');
    }
    const { specs, options } = prepare(children, flags);
    return new SupervisorInit(specs, options);
  }

  /**
   * A child spec for a nested supervisor: `[Supervisor, [children, options]]`; type 'supervisor',
   * shutdown 'infinity'. Id: from `options.name` (a string itself, a class's name, a via name as
   * `via('names', 'key')`), else 'Supervisor'.
   */
  static childSpec(this: Function, arg?: unknown): ChildSpec {
    if (this !== Supervisor) {
      // A module-based supervisor: `[App, arg]`, id the class name.
      const module = this as unknown as { name: string; startLink(arg?: unknown): Promise<ServerRef<SupervisorServer>> };
      return { id: module.name, start: () => module.startLink(arg), type: 'supervisor', shutdown: 'infinity', restart: 'permanent' };
    }
    const [children, options] = (Array.isArray(arg) ? arg : [[], undefined]) as [readonly ChildSpecInput[], SupervisorOptions | undefined];
    const id = childIdFor(options?.name, 'Supervisor');
    return { id, start: () => Supervisor.startLink(children, options), type: 'supervisor', shutdown: 'infinity', restart: 'permanent' };
  }

  /** The children, in start order: `{ id, ref | undefined | 'restarting', type }`. Synchronous. */
  static whichChildren(sup: ServerTarget): ChildInfo[] {
    return stateOf(sup).children.map((c) => ({ id: c.spec.id, ref: c.ref, type: c.spec.type }));
  }

  /** `{ specs, active, supervisors, workers }`. Synchronous. */
  static countChildren(sup: ServerTarget): ChildCounts {
    return countChildren(stateOf(sup).children);
  }

  /** Adds and starts a child. Rejects with `DuplicateChildError` if its id is taken, `ChildStartError` if it fails. */
  static startChild(sup: ServerTarget, spec: ChildSpecInput): Promise<ServerRef | undefined> {
    try {
      return unwrap(call(sup, 'startChild', toChildSpec(spec), Infinity));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Stops a child (its spec stays, except a temporary child's). Rejects with `ChildNotFoundError`. */
  static terminateChild(sup: ServerTarget, id: string): Promise<void> {
    return unwrap(call(sup, 'terminateChild', id, Infinity));
  }

  /** Starts a stopped child again. Rejects with `ChildNotFoundError` or `ChildRunningError`. */
  static restartChild(sup: ServerTarget, id: string): Promise<ServerRef | undefined> {
    return unwrap(call(sup, 'restartChild', id, Infinity));
  }

  /** Removes a stopped child's spec. Rejects with `ChildNotFoundError` or `ChildRunningError`. */
  static deleteChild(sup: ServerTarget, id: string): Promise<void> {
    return unwrap(call(sup, 'deleteChild', id, Infinity));
  }
}

/** The server behind a Supervisor ref (internal: use the `Supervisor` functions). */
export class SupervisorServer extends GenServer<SupervisorState> {
  private get proc(): Process {
    return this.self[PROC];
  }

  /** Runs a module-based supervisor's `@init` here, in the supervisor: its children and flags, or undefined for `ignore()`. */
  private async moduleInit(module: Function, arg: unknown): Promise<SupervisorInit | undefined> {
    const init = routerFor(module, Supervisor).init!;
    const result: unknown = await init.fn.call(new (module as new () => object)(), arg);
    if (result instanceof Return && result.kind === 'ignore') return undefined;
    if (!(result instanceof SupervisorInit)) {
      throw new BadReturnError(this.self, init.name, undefined, result, 'Supervisor.init(children, flags) or ignore()');
    }
    return result;
  }

  @init
  async setup(start: { specs: FullChildSpec[]; options: SupervisorOptions } | { module: Function; arg: unknown }) {
    this.trapExits(true);
    const arg = 'module' in start ? await this.moduleInit(start.module, start.arg) : start;
    if (arg === undefined) return ignore();
    const state: SupervisorState = {
      strategy: arg.options.strategy ?? 'one_for_one',
      children: [],
      intensity: checkIntensity(arg.options),
    };
    for (const spec of arg.specs) {
      let ref: ServerRef | undefined;
      try {
        ref = await startChildAs(this.proc, spec);
      } catch (error) {
        await this.stopAll(state.children);
        throw new ChildStartError(spec.id, error);
      }
      state.children.push({ spec, ref });
    }
    return state;
  }

  @handleInfo('EXIT')
  async childExited({ from, reason }: ExitMessage, state: SupervisorState) {
    // Sent outside any server (GenServer.exit(sup, 'shutdown')): by the code that owns the tree,
    // which stands for OTP's parent process. Stop as the parent's exit makes it: children first.
    // (The parent server's own signal never gets here: the runtime turns it into a stop.)
    if (from === undefined) return stop(reason, state);
    // Neither a child nor the parent: ignored, as OTP's supervisor does.
    const child = state.children.find((c) => c.ref === from);
    if (child === undefined) return noreply(state);
    if (!shouldRestart(child.spec.restart, reason, isCleanReason(reason))) {
      if (child.spec.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
      else child.ref = undefined;
      return noreply(state);
    }
    if (state.intensity.add()) return this.tooManyRestarts(state, child, reason);
    child.ref = undefined;
    await this.startGroup(await this.stopGroup(this.groupOf(child, state), child, state));
    return noreply(state);
  }

  @handleInfo(RETRY)
  async retry(ids: string[], state: SupervisorState) {
    const waiting = state.children.filter((c) => ids.includes(c.spec.id) && c.ref === 'restarting');
    if (waiting.length === 0) return noreply(state);
    if (state.intensity.add()) return this.tooManyRestarts(state, waiting[0], 'restart failed');
    // As in OTP: one_for_all tries the whole group again, stopping the children that did come back;
    // rest_for_one and one_for_one go on from the child that failed.
    const group = state.strategy === 'one_for_all' ? await this.stopGroup([...state.children], undefined, state) : waiting;
    await this.startGroup(group);
    return noreply(state);
  }

  @handleCall('startChild')
  async startChildCall(spec: FullChildSpec, state: SupervisorState) {
    const present = state.children.find((c) => c.spec.id === spec.id);
    if (present) return reply({ error: new DuplicateChildError(this.self, spec.id, present.ref) }, state);
    try {
      const ref = await startChildAs(this.proc, spec);
      if (ref !== undefined || spec.restart !== 'temporary') state.children.push({ spec, ref });
      return reply({ ok: ref }, state);
    } catch (error) {
      return reply({ error: new ChildStartError(spec.id, error) }, state);
    }
  }

  @handleCall('terminateChild')
  async terminateChildCall(id: string, state: SupervisorState) {
    const child = state.children.find((c) => c.spec.id === id);
    if (child === undefined) return reply({ error: new ChildNotFoundError(this.self, id) }, state);
    if (child.ref instanceof ServerRef) await shutdownChild(this.proc, child.ref, child.spec.shutdown);
    if (child.spec.restart === 'temporary') state.children.splice(state.children.indexOf(child), 1);
    else child.ref = undefined;
    return reply({ ok: undefined }, state);
  }

  @handleCall('restartChild')
  async restartChildCall(id: string, state: SupervisorState) {
    const child = state.children.find((c) => c.spec.id === id);
    if (child === undefined) return reply({ error: new ChildNotFoundError(this.self, id) }, state);
    if (child.ref !== undefined) return reply({ error: new ChildRunningError(this.self, id, child.ref) }, state);
    try {
      child.ref = await startChildAs(this.proc, child.spec);
      return reply({ ok: child.ref }, state);
    } catch (error) {
      return reply({ error: new ChildStartError(id, error) }, state);
    }
  }

  @handleCall('deleteChild')
  deleteChildCall(id: string, state: SupervisorState) {
    const i = state.children.findIndex((c) => c.spec.id === id);
    if (i < 0) return reply({ error: new ChildNotFoundError(this.self, id) }, state);
    const child = state.children[i];
    if (child.ref !== undefined) return reply({ error: new ChildRunningError(this.self, id, child.ref) }, state);
    state.children.splice(i, 1);
    return reply({ ok: undefined }, state);
  }

  @terminate
  async shutdown(_reason: unknown, state: SupervisorState | undefined) {
    if (state?.children) await this.stopAll(state.children);
  }

  /** The children a crash of `child` takes down, by strategy, in start order. */
  private groupOf(child: Child, state: SupervisorState): Child[] {
    if (state.strategy === 'one_for_one') return [child];
    if (state.strategy === 'one_for_all') return [...state.children];
    return state.children.slice(state.children.indexOf(child));
  }

  /**
   * Stops the running children of `group` in reverse start order, and drops its temporary ones
   * (never restarted) except `exited`, the child whose exit set this off. Returns those to restart.
   */
  private async stopGroup(group: Child[], exited: Child | undefined, state: SupervisorState): Promise<Child[]> {
    for (const c of [...group].reverse()) {
      if (c.ref instanceof ServerRef) {
        await shutdownChild(this.proc, c.ref, c.spec.shutdown);
        c.ref = undefined;
      }
    }
    const restart = group.filter((c) => c === exited || c.spec.restart !== 'temporary');
    state.children = state.children.filter((c) => !group.includes(c) || restart.includes(c));
    return restart;
  }

  /** Starts children in order; a failure marks it and the rest 'restarting' and retries later. */
  private async startGroup(group: Child[]): Promise<void> {
    for (let i = 0; i < group.length; i++) {
      const child = group[i];
      child.ref = 'restarting';
      child.restarts = (child.restarts ?? 0) + 1;
      try {
        child.ref = await startChildAs(this.proc, child.spec);
      } catch (error) {
        logger().error(`${this.self} (Supervisor): child '${child.spec.id}' failed to restart: ${describeReason(error)}`, {
          supervisor: this.self,
          id: child.spec.id,
          reason: error,
        });
        for (const rest of group.slice(i)) rest.ref = 'restarting';
        GenServer.send(
          this.self,
          RETRY,
          group.slice(i).map((c) => c.spec.id),
        );
        return;
      }
    }
  }

  /** Stops children in reverse start order. */
  private async stopAll(children: Child[]): Promise<void> {
    for (const child of [...children].reverse()) {
      if (child.ref instanceof ServerRef) await shutdownChild(this.proc, child.ref, child.spec.shutdown);
      child.ref = undefined;
    }
  }

  private tooManyRestarts(state: SupervisorState, child: Child, reason: unknown) {
    logger().error(
      `${this.self} (Supervisor) shutting down: more than ${state.intensity.maxRestarts} restarts in ` +
        `${state.intensity.maxSeconds} s; the last was child '${child.spec.id}' exiting with ${describeReason(reason)}`,
      { supervisor: this.self, id: child.spec.id, reason },
    );
    return stop('shutdown', state);
  }
}

// Refs and crash reports say "Supervisor", which is what users started.
Object.defineProperty(SupervisorServer, 'name', { value: 'Supervisor' });

export function countChildren(children: Iterable<{ spec: FullChildSpec; ref: unknown }>): ChildCounts {
  const counts: ChildCounts = { specs: 0, active: 0, supervisors: 0, workers: 0 };
  for (const c of children) {
    counts.specs++;
    if (c.ref instanceof ServerRef && isAlive(c.ref)) counts.active++;
    if (c.spec.type === 'supervisor') counts.supervisors++;
    else counts.workers++;
  }
  return counts;
}

/** @internal What the observer shows of a supervisor; `undefined` while it is still starting. */
export interface SupervisorView {
  kind: 'Supervisor' | 'DynamicSupervisor';
  strategy: Strategy;
  maxRestarts: number;
  maxSeconds: number;
  restarts: number;
  /** All children; `children` may list fewer (a dynamic supervisor's first N). */
  childCount: number;
  children: { id: string | undefined; ref: ServerRef | undefined | 'restarting'; type: ChildType; restart: string; restarts: number }[];
}

/** @internal Read synchronously from the supervisor's state, as `whichChildren` does. */
export function supervisorView(proc: Process): SupervisorView | undefined {
  if (!(proc.server instanceof SupervisorServer)) return undefined;
  const state = proc.state as SupervisorState | undefined;
  if (state?.children === undefined) return undefined;
  const { maxRestarts, maxSeconds, total } = state.intensity;
  return {
    kind: 'Supervisor',
    strategy: state.strategy,
    maxRestarts,
    maxSeconds,
    restarts: total,
    childCount: state.children.length,
    children: state.children.map((c) => ({
      id: c.spec.id,
      ref: c.ref,
      type: c.spec.type,
      restart: c.spec.restart,
      restarts: c.restarts ?? 0,
    })),
  };
}
