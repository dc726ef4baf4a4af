import { AlreadyStartedError, ArgumentError, CallingSelfError, NoProcError, StopTimeoutError } from './errors';
import { routerFor } from './metadata';
import { context } from './process/context';
import { addDeadline } from './process/deadlines';
import { CALL, CAST, INFO, Message, STOP } from './process/message';
import { checkName, whereisProcess, type Name } from './process/names';
import { DEAD, Process, settle } from './process/process';
import { PROC, ServerRef } from './process/ref';

/** How to reach a server: its ref, a registered name, or a `@singleton` class. */
export type ServerTarget<S = unknown> = ServerRef<S> | string | (abstract new () => S);

/** Options of `start` and `startLink`. */
export interface StartOptions {
  /** Register the server under this name (a string or a class); default: none (the class, for `@singleton`). */
  name?: Name;
}

/** An opaque handle on a call in progress, for a deferred `GenServer.reply(from, value)`. */
export type From = object;

const DEFAULT_CALL_TIMEOUT = 5000;
const START_OPTION_KEYS = new Set(['name']);

function processFor(target: unknown): Process | undefined {
  if (target instanceof ServerRef) return target[PROC];
  const proc = whereisProcess(target);
  return proc !== undefined && proc.status !== DEAD ? proc : undefined;
}

function isTarget(target: unknown): boolean {
  return target instanceof ServerRef || (typeof target === 'string' && target.length > 0) || typeof target === 'function';
}

const TARGET_EXPECTED = 'a ServerRef, a registered name (non-empty string) or a @singleton class';

function checkTimeout(argument: string, value: unknown): number {
  if (typeof value === 'number' && value >= 0) return value;
  throw new ArgumentError(argument, value, 'a finite number >= 0 or Infinity (milliseconds)');
}

function checkStartOptions(options: unknown): StartOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError('options', options, 'an object such as { name: "my_server" }');
  }
  for (const key of Object.keys(options)) {
    if (!START_OPTION_KEYS.has(key)) {
      throw new ArgumentError(`options.${key}`, (options as Record<string, unknown>)[key], `one of the start options: ${[...START_OPTION_KEYS].join(', ')}`);
    }
  }
  const o = options as StartOptions;
  if (o.name !== undefined) checkName(o.name);
  return o;
}

function startServer(cls: new () => GenServer, arg: unknown, options: unknown, linked: boolean): Promise<ServerRef | undefined> {
  try {
    const router = routerFor(cls, GenServer);
    const opts = checkStartOptions(options);
    const name = opts.name ?? (router.singleton ? cls : undefined);
    if (name !== undefined) {
      const holder = whereisProcess(name);
      if (holder !== undefined && holder.status !== DEAD) return Promise.reject(new AlreadyStartedError(name, holder.ref));
    }
    const server = new cls();
    const proc = new Process(server, router);
    (server as { self: ServerRef }).self = proc.ref;
    return proc.start(arg, name, linked ? context.current : undefined);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The base class of every server. Subclass it, decorate methods with `@init`, `@handleCall(tag)`,
 * `@handleCast(tag)`, `@handleInfo(tag)` and `@terminate`, then `start` it:
 *
 * ```ts
 * class Counter extends GenServer<number> {
 *   @init setup(start = 0) { return start; }
 *   @handleCall('increment') increment(_: void, n: number) { return reply(n + 1, n + 1); }
 * }
 * const ref = await Counter.start(0);
 * await GenServer.call(ref, 'increment'); // 1
 * ```
 *
 * Each running server handles one message at a time, in arrival order, even while an async
 * handler awaits. `State` is the type of its state.
 */
export abstract class GenServer<State = unknown> {
  /** This server's own ref (set before `@init` runs). */
  declare readonly self: ServerRef<this>;
  /** Phantom: the state type, for typed handlers. */
  declare readonly __state?: State;

  /**
   * Starts a server of this class: runs `@init` with `arg` and resolves to its ref once init has
   * finished. Rejects with init's error if init throws, or `AlreadyStartedError` if the name is taken.
   * Options: `name` (default none; the class itself for `@singleton`).
   */
  static start<T extends GenServer>(this: new () => T, arg?: unknown, options?: StartOptions): Promise<ServerRef<T>> {
    return startServer(this, arg, options, false) as Promise<ServerRef<T>>;
  }

  /**
   * Like `start`, and links the new server to the server whose handler or init is running (a crash
   * of either ends the other). Outside any server it is `start`.
   */
  static startLink<T extends GenServer>(this: new () => T, arg?: unknown, options?: StartOptions): Promise<ServerRef<T>> {
    return startServer(this, arg, options, true) as Promise<ServerRef<T>>;
  }

  /**
   * Sends a call and resolves to the reply. `timeout` defaults to 5000 ms (Infinity waits forever).
   * Rejects with `CallTimeoutError`, `NoProcError`, `UnknownMessageError`, `CallingSelfError` or
   * `ServerExitError`.
   */
  static call(server: ServerTarget, tag: string, payload?: unknown, timeout: number = DEFAULT_CALL_TIMEOUT): Promise<unknown> {
    const proc = server instanceof ServerRef ? server[PROC] : processFor(server);
    if (proc === undefined || proc.status === DEAD) {
      return Promise.reject(isTarget(server) ? new NoProcError(server) : new ArgumentError('server', server, TARGET_EXPECTED));
    }
    if (proc === context.current) return Promise.reject(new CallingSelfError(server));
    if (typeof tag !== 'string') return Promise.reject(new ArgumentError('tag', tag, 'a string'));
    if (timeout !== DEFAULT_CALL_TIMEOUT && !(typeof timeout === 'number' && timeout >= 0)) {
      return Promise.reject(new ArgumentError('timeout', timeout, 'a finite number >= 0 or Infinity (milliseconds)'));
    }
    const msg = new Message(CALL, tag, payload, server);
    const promise = new Promise<unknown>((resolve, reject) => {
      msg.resolve = resolve;
      msg.reject = reject;
    });
    if (timeout !== Infinity) addDeadline(msg, timeout);
    proc.deliver(msg);
    return promise;
  }

  /** Sends a cast: fire and forget. Returns `undefined` and never throws; a dead target drops it. */
  static cast(server: ServerTarget, tag: string, payload?: unknown): void {
    const proc = server instanceof ServerRef ? server[PROC] : processFor(server);
    if (proc === undefined || proc.status === DEAD || typeof tag !== 'string') return;
    proc.deliver(new Message(CAST, tag, payload, server));
  }

  /** Sends an info message, handled by `@handleInfo(tag)`. Never throws; a dead target drops it. */
  static send(server: ServerTarget, tag: string, payload?: unknown): void {
    const proc = server instanceof ServerRef ? server[PROC] : processFor(server);
    if (proc === undefined || proc.status === DEAD || typeof tag !== 'string') return;
    proc.deliver(new Message(INFO, tag, payload, server));
  }

  /**
   * Answers a call later, from any code that holds its `from` (the third argument of a call
   * handler that returned `noreply`). A second answer, or one after the caller timed out, is dropped.
   */
  static reply(from: From, value: unknown): void {
    if (!(from instanceof Message) || from.kind !== CALL) {
      throw new ArgumentError('from', from, 'the third argument a @handleCall method received');
    }
    if (from.owner !== undefined) from.owner.replyTo(from, value);
    else settle(from, value);
  }

  /**
   * Stops a server: `terminate` runs with `reason` (default `'normal'`) and the promise resolves once
   * the server has exited. Rejects with `NoProcError` if it is not alive, or `StopTimeoutError` if it
   * takes longer than `timeout` ms (default Infinity; the server goes on terminating).
   */
  static stop(server: ServerTarget, reason: unknown = 'normal', timeout: number = Infinity): Promise<void> {
    const proc = processFor(server);
    if (proc === undefined || proc.status === DEAD) {
      return Promise.reject(isTarget(server) ? new NoProcError(server) : new ArgumentError('server', server, TARGET_EXPECTED));
    }
    if (proc === context.current) return Promise.reject(new CallingSelfError(server));
    try {
      checkTimeout('timeout', timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      proc.onExit(done);
      if (timeout !== Infinity) {
        timer = setTimeout(() => {
          proc.offExit(done);
          reject(new StopTimeoutError(server, timeout));
        }, timeout);
      }
      proc.deliverControl(new Message(STOP, 'stop', reason, server));
    });
  }

  /** The ref registered under `name`, or `undefined`. */
  static whereis<S = unknown>(name: string | (abstract new () => S)): ServerRef<S> | undefined {
    const proc = whereisProcess(name);
    return proc !== undefined && proc.status !== DEAD ? (proc.ref as ServerRef<S>) : undefined;
  }

  /** Whether the server is alive (starting, running or terminating). */
  static isAlive(server: ServerTarget): boolean {
    const proc = processFor(server);
    return proc !== undefined && proc.status !== DEAD;
  }

  /** Resolves to the server's exit reason once it has exited (at once for a dead ref). */
  static awaitExit(server: ServerTarget): Promise<unknown> {
    const proc = processFor(server);
    if (proc === undefined) {
      return Promise.reject(isTarget(server) ? new NoProcError(server) : new ArgumentError('server', server, TARGET_EXPECTED));
    }
    return new Promise((resolve) => proc.onExit(resolve));
  }
}
