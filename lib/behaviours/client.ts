import { ArgumentError, CallingSelfError, MailboxFullError, NoProcError, ServerExitError, StopTimeoutError, isError } from '../errors';
import { context, currentProcess, isOwnAwaitingCode } from '../process/context';
import { addDeadline } from '../process/deadlines';
import { Delay } from '../process/delay';
import { CALL, CAST, CallMessage, INFO, Message, STOP } from '../process/message';
import { ViaName, whereisProcess } from '../process/names';
import type { Process } from '../process/process';
import { DEAD, isThenable } from '../process/status';
import { settle } from '../process/message';
import { PROC, ServerRef } from '../process/ref';
import { remote } from '../process/remote';
import { cancelTimer as cancel, TimerRef } from '../process/timers';
import type {
  CallArgs,
  Calls,
  Casts,
  From,
  Infos,
  PayloadArg,
  PayloadOfCall,
  PayloadOfCast,
  PayloadOfInfo,
  Protocol,
  ReplyOfCall,
  TypedTarget,
} from '../types';

// The client side of a server: the functions `GenServer` exposes as statics.

/**
 * How to reach a server: its ref, a registered name, a `@singleton` class, or `Registry.via(reg, key)`.
 * `S` is the server's class, carried by its refs and by the class itself; a name reaches an
 * untyped server.
 */
export type ServerTarget<S = unknown> =
  | ServerRef<S>
  | string
  | (abstract new (
      ...args: never[]
    ) => S)
  | ViaName<S>
  | RemoteName
  | GlobalName;

/** A server registered under `name` on another node (Elixir's `{name, node}`): `{ name: 'lobby', node: 'main/thread-1' }`. */
export interface RemoteName {
  readonly name: string;
  readonly node: string;
}

/** A cluster-wide name (after `Node.connect`, lib/node/nats/): `{ global: 'room:lobby' }`. */
export interface GlobalName {
  readonly global: string;
}

export type { From };

export const DEFAULT_CALL_TIMEOUT = 5000;
const TARGET_EXPECTED =
  'a ServerRef, a registered name (non-empty string), a @singleton class, Registry.via(registry, key), { name, node } or { global }';

/** The live process behind a target, or undefined. */
export function processFor(target: unknown): Process | undefined {
  if (target instanceof ServerRef) return target[PROC];
  const proc = whereisProcess(target);
  return proc !== undefined && proc.status !== DEAD ? proc : undefined;
}

/** The error for a target that reaches no live server: NoProcError, or ArgumentError if it is no target at all. */
export function noProc(target: unknown): Error {
  return isTarget(target) ? new NoProcError(target) : new ArgumentError('server', target, TARGET_EXPECTED);
}

/** True for anything that names a server, alive or not. */
export function isTarget(target: unknown): boolean {
  return (
    target instanceof ServerRef ||
    (typeof target === 'string' && target.length > 0) ||
    typeof target === 'function' ||
    target instanceof ViaName ||
    isRemoteName(target) ||
    (typeof target === 'object' && target !== null && typeof (target as GlobalName).global === 'string')
  );
}

/** True for `{ global }` with a non-empty string. */
export function isGlobalName(target: unknown): target is GlobalName {
  return (
    typeof target === 'object' &&
    target !== null &&
    typeof (target as GlobalName).global === 'string' &&
    (target as GlobalName).global.length > 0
  );
}

/** True for `{ name, node }` with two non-empty strings. */
export function isRemoteName(target: unknown): target is RemoteName {
  return (
    typeof target === 'object' &&
    target !== null &&
    typeof (target as RemoteName).name === 'string' &&
    typeof (target as RemoteName).node === 'string' &&
    (target as RemoteName).name.length > 0
  );
}

/** True when `target` reaches no local process but names a server on another node. */
export function isRemote(target: unknown): boolean {
  return remote.hooks?.isRemote(target) === true;
}

const TIMEOUT_EXPECTED = 'a finite number >= 0 or Infinity (milliseconds)';

function callRemote(server: unknown, tag: string, payload: unknown, timeout: number): Promise<unknown> {
  if (typeof tag !== 'string') return Promise.reject(new ArgumentError('tag', tag, 'a string'));
  if (!isTimeout(timeout)) return Promise.reject(new ArgumentError('timeout', timeout, TIMEOUT_EXPECTED));
  return remote.hooks!.call(server, tag, payload, timeout);
}

/** A timeout in ms: a number >= 0, Infinity allowed (NaN is not). */
export function isTimeout(value: unknown): value is number {
  return typeof value === 'number' && value >= 0;
}

/** Sends a request that is answered like a call (user lane for calls, control lane for system requests). */
export function request(server: unknown, proc: Process, kind: number, tag: string, payload: unknown, timeout: number): Promise<unknown> {
  const msg = new CallMessage(kind, tag, payload, server);
  const promise = new Promise<unknown>((resolve, reject) => {
    msg.resolve = resolve;
    msg.reject = reject;
  });
  if (timeout !== Infinity) addDeadline(msg, timeout);
  if (kind === CALL) proc.deliver(msg);
  else proc.deliverControl(msg);
  return promise;
}

// The typed signatures below are the public ones (GenServer's statics are these functions); the
// tag's parameter type is the union of the accepted tags, spelled `keyof ...` rather than through
// an alias so that a typo's error message lists them.

export function call<P extends Protocol = Protocol, K extends keyof Calls<P> & string = keyof Calls<P> & string>(
  server: TypedTarget<P> | ServerTarget,
  tag: K,
  ...args: CallArgs<PayloadOfCall<P, K>>
): Promise<ReplyOfCall<P, K>>;
export function call(server: ServerTarget, tag: string, payload?: unknown, timeout: number = DEFAULT_CALL_TIMEOUT): Promise<unknown> {
  const proc = server instanceof ServerRef ? server[PROC] : processFor(server);
  if (proc === undefined || proc.status === DEAD) {
    // Off the local path: a remote ref has no process here.
    return proc === undefined && isRemote(server) ? callRemote(server, tag, payload, timeout) : Promise.reject(noProc(server));
  }
  if (proc === context.current || (proc.busy && isOwnAwaitingCode(proc))) return Promise.reject(new CallingSelfError(server));
  if (typeof tag !== 'string') return Promise.reject(new ArgumentError('tag', tag, 'a string'));
  if (timeout !== DEFAULT_CALL_TIMEOUT && !isTimeout(timeout)) {
    return Promise.reject(new ArgumentError('timeout', timeout, 'a finite number >= 0 or Infinity (milliseconds)'));
  }
  if (proc.full) return Promise.reject(new MailboxFullError(server, tag, proc.maxMailbox));
  return request(server, proc, CALL, tag, payload, timeout);
}

export function cast<P extends Protocol = Protocol, K extends keyof Casts<P> & string = keyof Casts<P> & string>(
  server: TypedTarget<P> | ServerTarget,
  tag: K,
  ...payload: PayloadArg<PayloadOfCast<P, K>>
): void;
export function cast(server: ServerTarget, tag: string, payload?: unknown): void {
  const proc = server instanceof ServerRef ? server[PROC] : processFor(server);
  if (proc === undefined || proc.status === DEAD || typeof tag !== 'string') {
    if (proc === undefined && typeof tag === 'string' && isRemote(server)) remote.hooks!.cast(server, false, tag, payload);
    return;
  }
  if (proc.full) return proc.drop('cast', tag);
  proc.deliverEntry(CAST, tag, payload, server);
}

export function send<P extends Protocol = Protocol, K extends keyof Infos<P> & string = keyof Infos<P> & string>(
  server: TypedTarget<P> | ServerTarget,
  tag: K,
  ...payload: PayloadArg<PayloadOfInfo<P, K>>
): void;
export function send(server: ServerTarget, tag: string, payload?: unknown): void {
  const proc = server instanceof ServerRef ? server[PROC] : processFor(server);
  if (proc === undefined || proc.status === DEAD || typeof tag !== 'string') {
    if (proc === undefined && typeof tag === 'string' && isRemote(server)) remote.hooks!.cast(server, true, tag, payload);
    return;
  }
  if (proc.full) return proc.drop('info', tag);
  proc.deliverEntry(INFO, tag, payload, server);
}

export function reply<R>(from: From<R>, value: NoInfer<R>): void;
export function reply(from: From, value: unknown): void {
  if (!(from instanceof CallMessage) || from.kind !== CALL) {
    throw new ArgumentError('from', from, 'the third argument a @handleCall method received');
  }
  if (from.owner !== undefined) from.owner.replyTo(from, value);
  else settle(from, value);
}

export function stop(server: ServerTarget, reason: unknown = 'normal', timeout: number = Infinity): Promise<void> {
  const proc = processFor(server);
  if (proc === undefined && isRemote(server)) {
    if (!isTimeout(timeout)) return Promise.reject(new ArgumentError('timeout', timeout, TIMEOUT_EXPECTED));
    return remote.hooks!.system(server, 'stop', reason, timeout) as Promise<void>;
  }
  if (proc === undefined || proc.status === DEAD) return Promise.reject(noProc(server));
  if (proc === context.current || (proc.busy && isOwnAwaitingCode(proc))) return Promise.reject(new CallingSelfError(server));
  if (!isTimeout(timeout)) {
    return Promise.reject(new ArgumentError('timeout', timeout, 'a finite number >= 0 or Infinity (milliseconds)'));
  }
  return new Promise<void>((resolve, reject) => {
    let timer: Delay | undefined;
    // As OTP's proc_lib:stop: done if the server exited with the reason asked for; otherwise (its
    // terminate threw, or it was killed meanwhile) the promise rejects with the actual reason.
    const done = (exitReason: unknown): void => {
      timer?.cancel();
      if (exitReason === reason) resolve();
      else reject(isError(exitReason) ? exitReason : new ServerExitError(server, exitReason));
    };
    proc.onExit(done);
    if (timeout !== Infinity) {
      timer = new Delay(() => {
        proc.offExit(done);
        reject(new StopTimeoutError(server, timeout));
      }, timeout);
    }
    proc.deliverControl(new Message(STOP, 'stop', reason, server));
  });
}

export function whereis<S = unknown>(name: RemoteName): Promise<ServerRef<S> | undefined>;
export function whereis<S = unknown>(name: GlobalName): ServerRef<S> | undefined;
export function whereis<S = unknown>(
  name: ServerRef<S> | string | (abstract new (...args: never[]) => S) | ViaName<S> | ViaName,
): ServerRef<S> | undefined;
export function whereis(name: unknown): ServerRef | undefined | Promise<ServerRef | undefined> {
  // `{ name, node }`: asked of that node, so the answer is a promise (of this node's ref when it is this node).
  if (isRemoteName(name)) {
    if (remote.hooks === undefined) return Promise.resolve(undefined);
    return remote.hooks.whereis(name);
  }
  // `{ global }`: at once, from this node's copy of the cluster's names (as Erlang's
  // :global.whereis_name answers from its local replica); undefined outside a cluster.
  if (isGlobalName(name)) return remote.hooks?.resolveGlobal?.(name.global);
  // A ref is its own address, as a pid is in Elixir's GenServer.whereis/1: itself while it lives.
  const proc = name instanceof ServerRef ? name[PROC] : whereisProcess(name);
  if (proc === undefined && name instanceof ServerRef) return isRemote(name) && remote.hooks!.isAlive(name) ? name : undefined;
  return proc !== undefined && proc.status !== DEAD ? proc.ref : undefined;
}

export function isAlive(server: ServerTarget): boolean {
  const proc = processFor(server);
  if (proc === undefined && isRemote(server)) return remote.hooks!.isAlive(server);
  return proc !== undefined && proc.status !== DEAD;
}

export function awaitExit(server: ServerTarget): Promise<unknown> {
  const proc = processFor(server);
  if (proc === undefined && isRemote(server)) return remote.hooks!.awaitExit(server);
  if (proc === undefined) return Promise.reject(noProc(server));
  // A promise cannot resolve to a thenable (it would adopt it and wait on it): such a reason comes
  // wrapped in a ServerExitError, as a value.
  return new Promise((resolve) => proc.onExit((reason) => resolve(isThenable(reason) ? new ServerExitError(server, reason) : reason)));
}

export function exit(server: ServerTarget, reason: unknown): void {
  const proc = processFor(server);
  if (proc === undefined && isRemote(server)) return remote.hooks!.exit(server, reason, currentProcess());
  if (proc === undefined || proc.status === DEAD) return;
  if (reason === 'kill') proc.kill();
  // The sender is the signal's origin, as in OTP, so a trapping server's parent is recognised:
  // exit(child, reason) from the parent makes it terminate, like the parent's own exit.
  else proc.exitSignal(currentProcess(), reason);
}

export function cancelTimer(timer: TimerRef): boolean {
  if (!(timer instanceof TimerRef)) throw new ArgumentError('timer', timer, 'a TimerRef returned by this.sendAfter()');
  return cancel(timer);
}
