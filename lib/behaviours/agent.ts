import { call, cast, DEFAULT_CALL_TIMEOUT, stop, type ServerTarget } from './client';
import { defaultChildSpec, type FullChildSpec } from './child_spec';
import { handleCall, handleCast, init } from '../decorators';
import { ArgumentError } from '../errors';
import { GenServer } from './gen_server';
import type { ViaName } from '../process/names';
import type { ServerRef } from '../process/ref';
import { isThenable } from '../process/status';
import { noreply, reply } from '../returns';
import { startServer, type StartOptions } from './start';

// Elixir's Agent: a server that is only state. The functions the client passes run inside the
// agent, one at a time like any other message, so they see and leave a consistent state.

type Awaitable<T> = T | PromiseLike<T>;
type Fn = (state: unknown) => unknown;

/** The server behind every agent. Its functions arrive as payloads; it is a GenServer like any other. */
export class AgentServer<State = unknown> extends GenServer<unknown> {
  /** Phantom: the agent's state type, so `Agent<State>` refs type `Agent.get`. */
  declare readonly __agentState?: readonly [state: State];

  @init
  setup(initial: unknown) {
    return (initial as () => unknown)();
  }

  @handleCall('get')
  get(fn: unknown, state: unknown) {
    const value = (fn as Fn)(state);
    return isThenable(value) ? Promise.resolve(value).then((v) => reply(v, state)) : reply(value, state);
  }

  @handleCall('update')
  update(fn: unknown, state: unknown) {
    const next = (fn as Fn)(state);
    return isThenable(next) ? Promise.resolve(next).then((s) => reply(undefined, s)) : reply(undefined, next);
  }

  @handleCall('getAndUpdate')
  getAndUpdate(fn: unknown, state: unknown) {
    const pair = (fn as Fn)(state);
    return isThenable(pair) ? Promise.resolve(pair).then(pairReply) : pairReply(pair);
  }

  @handleCast('cast')
  castUpdate(fn: unknown, state: unknown) {
    const next = (fn as Fn)(state);
    return isThenable(next) ? Promise.resolve(next).then((s) => noreply(s)) : noreply(next);
  }
}

function pairReply(pair: unknown) {
  if (!Array.isArray(pair) || pair.length !== 2) {
    throw new ArgumentError("the result of getAndUpdate's function", pair, 'a pair [value, newState]');
  }
  return reply(pair[0], pair[1]);
}

/**
 * A reference to a running agent whose state has type `State`: what `Agent.start` resolves to.
 * It is a `ServerRef`, so every GenServer function (`info`, `isAlive`, links, monitors) takes it.
 */
export interface Agent<State = unknown> extends ServerRef<AgentServer<State>> {}

/** How to reach an agent: its ref, or a name it was started under (then say the state type). */
export type AgentTarget<State = unknown> = Agent<State> | ServerRef<AgentServer<State>> | string | ViaName<AgentServer<State>> | ViaName;

function checkFn(fn: unknown, argument: string): Error | undefined {
  return typeof fn === 'function' ? undefined : new ArgumentError(argument, fn, 'a function of the state');
}

function startAgent<State>(initial: () => Awaitable<State>, options: StartOptions | undefined, linked: boolean): Promise<Agent<State>> {
  const bad = checkFn(initial, 'initial');
  if (bad !== undefined) return Promise.reject(bad);
  return startServer(AgentServer, GenServer, initial, options, linked) as Promise<Agent<State>>;
}

/**
 * Elixir's `Agent`: state held by a server, read and changed by functions that run inside it.
 *
 * ```ts
 * const counter = await Agent.start(() => 0, { name: 'counter' });
 * await Agent.update(counter, (n) => n + 1);
 * await Agent.get(counter, (n) => n);               // 1 (typed number)
 * await Agent.getAndUpdate(counter, (n) => [n, 0]); // 1, and the state is 0
 * ```
 *
 * Each function runs in the agent, between two other messages; one that throws crashes the agent
 * (its callers get `ServerExitError`), as in Elixir. A function may return a promise: the agent
 * waits for it before the next message.
 */
// biome-ignore lint/correctness/noUnusedVariables: State types the refs the static methods take (Agent.Ref<State>).
export class Agent<State = unknown> {
  private constructor() {}

  /**
   * Starts an agent whose state is `initial()` (awaited if it returns a promise). Options are
   * `GenServer.start`'s (`name`, `timeout` Infinity, `maxMailbox` Infinity, `trace` false).
   * Rejects with `initial`'s error if it throws, `AlreadyStartedError` if the name is taken.
   */
  static start<S>(initial: () => Awaitable<S>, options?: StartOptions): Promise<Agent<S>> {
    return startAgent(initial, options, false);
  }

  /** Like `start`, and links the agent to the server whose handler or init is running (see `GenServer.startLink`). */
  static startLink<S>(initial: () => Awaitable<S>, options?: StartOptions): Promise<Agent<S>> {
    return startAgent(initial, options, true);
  }

  /**
   * Resolves to `fn(state)`, computed in the agent; the state is unchanged. `timeout` defaults to
   * 5000 ms; rejects like `GenServer.call` (`CallTimeoutError`, `NoProcError`, `ServerExitError`).
   */
  static get<S, R>(agent: AgentTarget<S>, fn: (state: S) => Awaitable<R>, timeout: number = DEFAULT_CALL_TIMEOUT): Promise<R> {
    return checkFn(fn, 'fn') ? Promise.reject(checkFn(fn, 'fn')) : (call(agent as ServerTarget, 'get', fn, timeout) as Promise<R>);
  }

  /** Replaces the state with `fn(state)` and resolves once it is done. `timeout` defaults to 5000 ms. */
  static update<S>(agent: AgentTarget<S>, fn: (state: S) => Awaitable<NoInfer<S>>, timeout: number = DEFAULT_CALL_TIMEOUT): Promise<void> {
    return checkFn(fn, 'fn') ? Promise.reject(checkFn(fn, 'fn')) : (call(agent as ServerTarget, 'update', fn, timeout) as Promise<void>);
  }

  /**
   * `fn(state)` returns `[value, newState]`: the state becomes `newState` and the promise resolves to
   * `value`. `timeout` defaults to 5000 ms.
   */
  static getAndUpdate<S, R>(
    agent: AgentTarget<S>,
    fn: (state: S) => Awaitable<readonly [R, NoInfer<S>]>,
    timeout: number = DEFAULT_CALL_TIMEOUT,
  ): Promise<R> {
    return checkFn(fn, 'fn') ? Promise.reject(checkFn(fn, 'fn')) : (call(agent as ServerTarget, 'getAndUpdate', fn, timeout) as Promise<R>);
  }

  /** Replaces the state with `fn(state)` without waiting: fire and forget, a dead agent drops it. */
  static cast<S>(agent: AgentTarget<S>, fn: (state: S) => Awaitable<NoInfer<S>>): void {
    if (checkFn(fn, 'fn')) throw checkFn(fn, 'fn');
    cast(agent as ServerTarget, 'cast', fn);
  }

  /**
   * Stops the agent with `reason` (default 'normal') and resolves once it has exited; `timeout`
   * defaults to Infinity. Rejects with `NoProcError` if it is not alive.
   */
  static stop(agent: AgentTarget, reason: unknown = 'normal', timeout: number = Infinity): Promise<void> {
    return stop(agent as ServerTarget, reason, timeout);
  }

  /**
   * The child spec of an agent, so a supervisor runs it: `[Agent, () => initial]` in a children list,
   * or `Agent.childSpec(() => initial, { name })`. Default id 'Agent', permanent, shutdown 5000, worker.
   */
  static childSpec(initial: () => unknown, options?: StartOptions): FullChildSpec {
    const bad = checkFn(initial, 'initial');
    if (bad !== undefined) throw bad;
    return defaultChildSpec({ name: 'Agent', startLink: () => startAgent(initial, options, true) }, undefined);
  }
}
