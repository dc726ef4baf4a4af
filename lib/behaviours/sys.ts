import { ArgumentError, CallingSelfError } from '../errors';
import { DEFAULT_CALL_TIMEOUT, isRemote, isTimeout, noProc, processFor, request, type ServerTarget } from './client';
import { remote } from '../process/remote';
import { context, isOwnAwaitingCode } from '../process/context';
import { SYSTEM } from '../process/message';
import type { Name, ViaName } from '../process/names';
import { DEAD, type StatusName } from '../process/status';
import { formatStatus, type ServerStatus } from '../process/format_status';
import type { ServerRef } from '../process/ref';

// Introspection, the job of Erlang's `:sys` module: served between two messages, never in the
// middle of a handler, through the control lane (so a full mailbox never refuses them).

/** What `GenServer.info(ref)` tells, synchronously. */
export interface ServerInfo {
  id: number;
  className: string;
  name: Name | undefined;
  status: StatusName;
  /** Queued user messages (the one being handled is not counted). */
  mailboxLength: number;
  maxMailbox: number;
  /** Servers linked to this one. */
  links: ServerRef[];
  /** Servers this one monitors. */
  monitors: ServerRef[];
  /** Servers monitoring this one. */
  monitoredBy: ServerRef[];
  /** Messages handled so far. */
  handled: number;
  /** Casts and infos dropped because the mailbox was full. */
  dropped: number;
  trapExits: boolean;
  tracing: boolean;
  /** Pending `sendAfter` timers. */
  timers: number;
  /** The exit reason, once dead (as the class's `@formatStatus` shows `reason`, if it has one). */
  exitReason: unknown;
}

function system(server: ServerTarget, tag: 'getState' | 'replaceState' | 'getStatus', payload: unknown, timeout: number): Promise<unknown> {
  const proc = processFor(server);
  if (proc === undefined && isRemote(server)) {
    if (!isTimeout(timeout))
      return Promise.reject(new ArgumentError('timeout', timeout, 'a finite number >= 0 or Infinity (milliseconds)'));
    return remote.hooks!.system(server, tag, payload, timeout);
  }
  if (proc === undefined || proc.isDead) return Promise.reject(noProc(server));
  if (proc === context.current || (proc.busy && isOwnAwaitingCode(proc))) return Promise.reject(new CallingSelfError(server));
  if (!isTimeout(timeout)) {
    return Promise.reject(new ArgumentError('timeout', timeout, 'a finite number >= 0 or Infinity (milliseconds)'));
  }
  return request(server, proc, SYSTEM, tag, payload, timeout);
}

/** A ref, class or typed via name whose server's state has type `S` (inferred from the class's `GenServer<S>`). */
type StateTarget<S> = ServerRef<StateCarrier<S>> | ViaName<StateCarrier<S>> | (abstract new (...args: never[]) => StateCarrier<S>);
/** What a server type carries its state type in (see `GenServer.__state`). */
type StateCarrier<S> = { readonly __state?: readonly [state: S] };
/** The state type `fn` works on: the server's declared state, or what `fn` says for an untyped server. */
type Known<S, F> = unknown extends S ? F : S;

export function getState<S = unknown>(server: StateTarget<S> | ServerTarget, timeout?: number): Promise<S>;
export function getState(server: ServerTarget, timeout: number = DEFAULT_CALL_TIMEOUT): Promise<unknown> {
  return system(server, 'getState', undefined, timeout);
}

export function replaceState<S = unknown, F = S>(
  server: StateTarget<S> | ServerTarget,
  fn: (state: Known<S, F>) => Known<S, F>,
  timeout?: number,
): Promise<Known<S, F>>;
export function replaceState(
  server: ServerTarget,
  fn: (state: unknown) => unknown,
  timeout: number = DEFAULT_CALL_TIMEOUT,
): Promise<unknown> {
  if (typeof fn !== 'function') return Promise.reject(new ArgumentError('fn', fn, 'a function (state) => newState'));
  return system(server, 'replaceState', fn, timeout);
}

/**
 * The server's status (OTP's `:sys.get_status`), read between two messages: its state and queued
 * messages as the class's `@formatStatus` shows them, its parent, name and counters.
 */
export function getStatus(server: ServerTarget, timeout: number = DEFAULT_CALL_TIMEOUT): Promise<ServerStatus> {
  return system(server, 'getStatus', undefined, timeout) as Promise<ServerStatus>;
}

/** `info` and `trace` are synchronous, so they cannot ask another node. */
function local(server: ServerTarget, what: string): never {
  throw new ArgumentError(
    'server',
    server,
    `a server on this node (GenServer.${what}() never waits; for a server on another node use Node.info(ref))`,
  );
}

export function info(server: ServerTarget): ServerInfo {
  const proc = processFor(server);
  if (proc === undefined && isRemote(server)) local(server, 'info');
  if (proc === undefined) throw noProc(server);
  return {
    id: proc.id,
    className: proc.className,
    name: proc.name,
    status: proc.statusName,
    mailboxLength: proc.mailboxLength,
    maxMailbox: proc.maxMailbox,
    links: [...(proc.links ?? [])].map((p) => p.ref),
    monitors: [...(proc.watching ?? [])].flatMap((m) => (m.target ? [m.target.ref] : [])),
    monitoredBy: [...(proc.watchers ?? [])].map((m) => m.watcher.ref),
    handled: proc.handled,
    dropped: proc.dropped,
    trapExits: proc.trapping,
    tracing: proc.tracing,
    timers: proc.timers?.size ?? 0,
    exitReason: proc.status === DEAD ? formatStatus(proc, { state: proc.state, reason: proc.exitReason }).reason : undefined,
  };
}

export function trace(server: ServerTarget, on: boolean): void {
  const proc = processFor(server);
  if (proc === undefined && isRemote(server)) local(server, 'trace');
  if (proc === undefined) throw noProc(server);
  proc.tracing = on;
}
