import * as client from './client';
import * as requests from './requests';
import { defaultChildSpec, type FullChildSpec } from './child_spec';
import { ArgumentError, GenServerError } from '../errors';
import { link, monitor, demonitor, unlink, type MonitorRef } from '../process/links';
import { PROC, type ServerRef } from '../process/ref';
import { remote } from '../process/remote';
import type { Process } from '../process/process';
import { startServer, type StartOptions } from './start';
import * as sys from './sys';
import { startTimer, type TimerRef } from '../process/timers';
import { PROTOCOL, type Infos, type InitArg, type PayloadOfInfo, type Protocol } from '../types';

/** `start`'s arguments: the protocol's `init` (optional when it may be undefined), then the options. */
type StartArgs<T> = undefined extends InitArg<T> ? [arg?: InitArg<T>, options?: StartOptions] : [arg: InitArg<T>, options?: StartOptions];

function own(server: GenServer<unknown>, method: string): Process {
  const ref = server.self as ServerRef | undefined;
  if (ref === undefined) {
    throw new GenServerError(
      `${server.constructor.name}: this.${method}() works once the server is started (from @init on), not in the constructor.`,
    );
  }
  return ref[PROC];
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
 * handler awaits. `State` is the type of its state. `P`, optional, declares what the server
 * accepts (see `Protocol`); from it calls, casts, sends, `start` and handlers are checked:
 *
 * ```ts
 * class Adder extends GenServer<number, { calls: { add: [payload: number, reply: number] } }> {
 *   @handleCall('add') add(n: number, sum: number) { return reply(sum + n, sum + n); }
 * }
 * const sum = await GenServer.call(ref, 'add', 10); // sum: number
 * ```
 */
export abstract class GenServer<State = unknown, P extends Protocol = Protocol> {
  /** This server's own ref (set before `@init` runs). */
  declare readonly self: ServerRef<this>;
  /**
   * Phantom: the state type, for typed handlers. Boxed in a tuple so that a state type that
   * includes `undefined` keeps it when inferred (an optional property's own type would drop it).
   */
  declare readonly __state?: readonly [state: State];
  /** Phantom: what the server accepts, for typed clients and handlers. */
  declare readonly [PROTOCOL]?: P;

  /**
   * Starts a server of this class: runs `@init` with `arg` and resolves to its ref once init has
   * finished (to `undefined` if init returns `ignore()`). Rejects with init's error if init throws,
   * `AlreadyStartedError` if the name is taken, `StartTimeoutError` past `options.timeout`.
   * Options (all optional): `name` (default none; the class for `@singleton`), `timeout` (Infinity),
   * `maxMailbox` (Infinity), `trace` (false). `arg` has the protocol's `init` type, if it declares one.
   */
  static start<T extends GenServer>(this: new () => T, ...[arg, options]: StartArgs<T>): Promise<ServerRef<T>> {
    return startServer(this, GenServer, arg, options, false) as Promise<ServerRef<T>>;
  }

  /**
   * Like `start`, and links the new server to the server whose handler or init is running (a crash
   * of either ends the other). Outside any server it is `start`. Call it before the handler's first
   * `await`: after one, Node cannot tell which server runs — there, `start` then `this.link(ref)`.
   */
  static startLink<T extends GenServer>(this: new () => T, ...[arg, options]: StartArgs<T>): Promise<ServerRef<T>> {
    return startServer(this, GenServer, arg, options, true) as Promise<ServerRef<T>>;
  }

  /**
   * Sends a call and resolves to the reply: `GenServer.call(ref, 'add', 10)`. `timeout` defaults to
   * 5000 ms (Infinity waits forever). Rejects with `CallTimeoutError`, `NoProcError`,
   * `UnknownMessageError`, `CallingSelfError`, `MailboxFullError` or `ServerExitError`.
   * To a server that declares its calls, the tag must be one of them, the payload has its type
   * (and may be left out when it may be `undefined`), and the promise resolves to its reply type.
   */
  static call: typeof client.call = client.call;

  /**
   * Sends a call without waiting for its reply (OTP `send_request`): the request is in the server's
   * mailbox when this returns. Collect the reply with `receiveResponse`, `waitResponse` or
   * `checkResponse`; a failure (dead server, crash) is kept as the response, never thrown here.
   * Typed like `call`.
   */
  static sendRequest: typeof requests.sendRequest = requests.sendRequest;

  /**
   * Resolves to the reply of a request (OTP `receive_response`). Rejects with `CallTimeoutError`
   * after `timeout` ms (default 5000; Infinity waits forever), or with the call's own error.
   * Given a `RequestIdCollection`: the first response to arrive, with its label
   * (`{ reply | error, label, request }`), `'timeout'` (the requests left are given up) or
   * `'noRequest'` (empty); option `delete` (default true) removes the request that answered.
   */
  static receiveResponse: typeof requests.receiveResponse = requests.receiveResponse;

  /**
   * Waits up to `timeout` ms (default 5000) for a request's response: `{ reply }`, `{ error }`, or
   * `undefined` on timeout, when the request can still be collected later (OTP `wait_response`).
   * Given a `RequestIdCollection`: as `receiveResponse`, but after a `'timeout'` its requests can
   * still be collected.
   */
  static waitResponse: typeof requests.waitResponse = requests.waitResponse;

  /**
   * The response of a request if it has arrived (`{ reply }` or `{ error }`), else `undefined`. Never
   * waits. Given a `RequestIdCollection`: the first response that arrived with its label, `'noReply'`
   * or `'noRequest'`.
   */
  static checkResponse: typeof requests.checkResponse = requests.checkResponse;

  /**
   * Calls every server at once with the same tag and payload and resolves, within one deadline
   * (`timeout`, default 5000 ms), to `[{ server, reply } | { server, error }]` in the servers' order.
   * Never rejects for a server's failure: a timeout is a `CallTimeoutError` in its row.
   */
  static multiCall: typeof requests.multiCall = requests.multiCall;

  /** Sends a cast: fire and forget. Returns `undefined` and never throws; a dead target drops it. */
  static cast: typeof client.cast = client.cast;

  /** Sends an info message, handled by `@handleInfo(tag)`. Never throws; a dead target drops it. */
  static send: typeof client.send = client.send;

  /**
   * Answers a call later, from any code that holds its `from` (the third argument of a call
   * handler that returned `noreply`). A second answer, or one after the caller timed out, is dropped.
   * On a typed server, `from` carries the call's reply type and `value` must have it.
   */
  static reply: typeof client.reply = client.reply;

  /**
   * Stops a server: `terminate` runs with `reason` (default `'normal'`), and the promise resolves once
   * the server has exited. Rejects with `NoProcError` if it is not alive, or `StopTimeoutError` if it
   * takes longer than `timeout` ms (default Infinity; the server goes on terminating).
   */
  static stop: (server: client.ServerTarget, reason?: unknown, timeout?: number) => Promise<void> = client.stop;

  /**
   * The ref registered under `name`, or `undefined`. A `@singleton` class's ref carries the class's
   * type; for another name, say it: `GenServer.whereis<Counter>('my_counter')`. Given a ref, returns
   * that ref while its server lives (`undefined` once it has exited), as Elixir's `whereis(pid)`.
   * `{ name, node }` is asked of that node (a promise); `{ global: name }` answers at once from this
   * node's copy of the cluster's names (after `Node.connect`; `undefined` before).
   */
  static whereis: typeof client.whereis = client.whereis;

  /** Whether the server is alive (starting, running or terminating). */
  static isAlive: (server: client.ServerTarget) => boolean = client.isAlive;

  /** Resolves to the server's exit reason once it has exited (at once for a dead ref). */
  static awaitExit: (server: client.ServerTarget) => Promise<unknown> = client.awaitExit;

  /**
   * Sends an exit signal. `'kill'` ends the server at once without `terminate` (reason `'killed'`);
   * any other reason kills a server that does not trap exits ('normal' is ignored), and reaches a
   * trapping server as `@handleInfo('EXIT')` with `{ from, reason }` — except from its parent (the
   * server that startLinked it), which makes it terminate with `reason`, running `terminate`.
   * A Supervisor or DynamicSupervisor also stops, children first, on a signal sent outside any server:
   * `GenServer.exit(sup, 'shutdown')`.
   */
  static exit: (server: client.ServerTarget, reason: unknown) => void = client.exit;

  /**
   * How a supervisor runs this class as a child, given the start argument. Default: id = the class
   * name, start = `startLink(arg)`, restart 'permanent', shutdown 5000 ms, type 'worker'. Override it
   * (as a static method) to change any of them for every supervisor.
   */
  static childSpec(this: { name: string; startLink(arg?: unknown): Promise<unknown> }, arg?: unknown): FullChildSpec {
    return defaultChildSpec(this, arg);
  }

  /** Cancels a `sendAfter` timer; true if it was still pending. */
  static cancelTimer: (timer: TimerRef) => boolean = client.cancelTimer;

  /** The server's state, read between two messages (like `:sys.get_state`). Default timeout 5000 ms. */
  static getState: typeof sys.getState = sys.getState;

  /**
   * Replaces the server's state with `fn(state)` between two messages and resolves to the new state.
   * If `fn` throws, the state is unchanged and the promise rejects with that error.
   */
  static replaceState: typeof sys.replaceState = sys.replaceState;

  /**
   * The server's status (OTP's `:sys.get_status`), read between two messages like `getState`:
   * `{ ref, className, name, status, parent, state, messages, mailboxLength, handled, trapExits,
   * tracing, formatted }`, its state and first 100 queued messages as the class's `@formatStatus`
   * shows them. Default timeout 5000 ms; rejects like `getState`. Works for a server on another node.
   */
  static getStatus: typeof sys.getStatus = sys.getStatus;

  /** A synchronous snapshot: name, status, mailbox length, links, monitors, counters. Never waits. */
  static info: (server: client.ServerTarget) => sys.ServerInfo = sys.info;

  /** Turns tracing on or off: every message in, reply out and new state is logged via `info`. */
  static trace: (server: client.ServerTarget, on: boolean) => void = sys.trace;

  /**
   * Delivers `@handleInfo(tag)` with `payload` to this server after `ms`. Returns a handle for
   * `GenServer.cancelTimer`. The timer dies with the server. On a typed server the tag is one of
   * its declared infos and the payload has its type.
   */
  sendAfter<K extends keyof Infos<P> & string>(tag: K, payload: PayloadOfInfo<P, K>, ms: number): TimerRef {
    const proc = own(this, 'sendAfter');
    if (typeof tag !== 'string') throw new ArgumentError('tag', tag, 'a string');
    if (!(typeof ms === 'number' && ms >= 0 && ms !== Infinity)) throw new ArgumentError('ms', ms, 'a finite number >= 0');
    return startTimer(proc, tag, payload, ms);
  }

  /** Links this server to another: when either exits, the other gets an exit signal. */
  link(server: client.ServerTarget): void {
    const proc = own(this, 'link');
    const other = client.processFor(server);
    if (other === undefined && client.isRemote(server)) return remote.hooks!.link(proc, server);
    if (other === undefined && !client.isTarget(server)) throw client.noProc(server);
    // As in OTP, linking to a dead process is an immediate exit signal with reason 'noproc'.
    if (other === undefined || other.isDead) return proc.exitSignal(undefined, 'noproc', other?.ref);
    link(proc, other);
  }

  /** Removes a link (no signal is sent). */
  unlink(server: client.ServerTarget): void {
    const proc = own(this, 'unlink');
    const other = client.processFor(server);
    if (other !== undefined) unlink(proc, other);
    else if (client.isRemote(server)) remote.hooks!.unlink(proc, server);
  }

  /**
   * Traps exits (default on): exit signals from linked servers arrive as `@handleInfo('EXIT')` with
   * `{ from, reason }` instead of killing this server; the parent's exit makes it terminate.
   * Returns the previous setting.
   */
  trapExits(on: boolean = true): boolean {
    const proc = own(this, 'trapExits');
    const previous = proc.trapping;
    proc.trapping = on;
    return previous;
  }

  /**
   * Monitors another server: when it exits, this one gets `@handleInfo('DOWN')` with
   * `{ monitor, ref, reason }` (at once, with reason `'noproc'`, if it is already dead).
   */
  monitor(server: client.ServerTarget): MonitorRef {
    const proc = own(this, 'monitor');
    const other = client.processFor(server);
    if (other === undefined && client.isRemote(server)) return remote.hooks!.monitor(proc, server);
    if (other === undefined && !client.isTarget(server)) throw client.noProc(server);
    return monitor(proc, other);
  }

  /** Removes a monitor; true if it was still active (no DOWN delivered yet). */
  demonitor(monitorRef: MonitorRef): boolean {
    const proc = own(this, 'demonitor');
    // A monitor on a server of another node has no target process here.
    if (monitorRef?.target === undefined && remote.hooks !== undefined) {
      const active = remote.hooks.demonitor(proc, monitorRef);
      if (active !== undefined) return active;
    }
    return demonitor(monitorRef);
  }

  /**
   * Monitors a node (OTP's `monitor_node`): when `node` goes down — its thread exits or its
   * connection is lost — this server gets `@handleInfo('nodedown')` with `{ node }` (at once if it
   * is not connected). Each call adds one monitor; `demonitorNode` removes one.
   */
  monitorNode(node: string): void {
    const proc = own(this, 'monitorNode');
    if (typeof node !== 'string' || node.length === 0) throw new ArgumentError('node', node, 'a node name such as Node.self()');
    remote.hooks?.monitorNode(proc, node, true);
  }

  /** Removes one monitor that `monitorNode(node)` set. */
  demonitorNode(node: string): void {
    const proc = own(this, 'demonitorNode');
    remote.hooks?.monitorNode(proc, node, false);
  }
}
