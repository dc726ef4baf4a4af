import { inspect } from 'node:util';
import { AssertionError } from 'node:assert';
import type { From, ServerTarget } from '../behaviours/client';
import { GenServer } from '../behaviours/gen_server';
import { AlreadyStartedError, ArgumentError } from '../errors';
import type { Handler, Router } from '../metadata';
import { nativeClearTimeout, nativeSetTimeout } from '../process/clock';
import type { MonitorRef } from '../process/links';
import { CALL, CAST, type Message } from '../process/message';
import { checkName, whereisProcess, type Name } from '../process/names';
import { Process } from '../process/process';
import type { ServerRef } from '../process/ref';
import { DEAD } from '../process/status';
import { noreply } from '../returns';
import { onExit } from './cleanup';

/** One message a probe received. */
export interface Received {
  readonly kind: 'call' | 'cast' | 'info';
  readonly tag: string;
  readonly payload: unknown;
  /** For a call: answer it with `GenServer.reply(from, value)` (the probe never answers by itself). */
  readonly from: From | undefined;
}

/** Options of `startProbe`. */
export interface ProbeOptions {
  /** Register the probe under this name, to stand in for a named server. Default: none. */
  name?: Name;
  /** Trap exits, so a linked server's exit arrives as info 'EXIT' instead of killing the probe. Default: false. */
  trapExits?: boolean;
}

/** Options of `assertReceive`. */
export interface ReceiveOptions {
  /** How long to wait, in ms of real time (also under fake timers). Default: 100. */
  timeout?: number;
  /** Only a message whose payload passes this test matches. Default: any payload. */
  match?: (payload: unknown) => boolean;
}

const DEFAULT_TIMEOUT = 100;

/** The probe's server: it accepts every message, and hands each to its Probe. */
class ProbeServer extends GenServer<undefined> {
  /** @internal */
  probe!: Probe;
}

function receiveMessage(this: unknown, _payload: unknown, state: unknown, msg: unknown) {
  (this as ProbeServer).probe.take(msg as Message);
  return noreply(state);
}

const receive: Handler = {
  kind: 'info',
  tag: undefined,
  name: 'Probe.receive',
  async: false,
  fn: receiveMessage,
  invoke: (server, payload, state, msg) => receiveMessage.call(server, payload, state, msg),
};

/** A handler table that has an entry for every tag. */
const anyTag = { get: () => receive, keys: () => [][Symbol.iterator]() } as unknown as ReadonlyMap<string, Handler>;

const router: Router = {
  className: 'Probe',
  singleton: false,
  init: undefined,
  terminate: undefined,
  formatStatus: undefined,
  calls: anyTag,
  casts: anyTag,
  infos: anyTag,
  continues: anyTag,
  last: { kind: -1, tag: undefined, handler: undefined },
};

interface Waiter {
  matches(m: Received): boolean;
  resolve(m: Received): void;
}

/**
 * A server that records every message it receives, for the test to assert on: ExUnit's
 * `assert_receive` with the probe standing in for the test process. Hand `probe.ref` to the code
 * under test as a subscriber, a reply-to address or (with `name`) a named dependency.
 */
export class Probe {
  /** The probe's server: pass it wherever a ref is taken. */
  readonly ref: ServerRef;
  /** Every message received, in arrival order, including those `assertReceive` has taken. */
  readonly received: Received[] = [];
  /** Messages received and not yet taken by `assertReceive`, oldest first. */
  readonly mailbox: Received[] = [];
  private readonly waiters: Waiter[] = [];

  /** @internal */
  constructor(private readonly server: ProbeServer) {
    this.ref = server.self;
  }

  /** @internal */
  take(msg: Message): void {
    const m: Received = {
      kind: msg.kind === CALL ? 'call' : msg.kind === CAST ? 'cast' : 'info',
      tag: msg.tag,
      payload: msg.payload,
      from: msg.kind === CALL ? (msg as unknown as From) : undefined,
    };
    this.received.push(m);
    const i = this.waiters.findIndex((w) => w.matches(m));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    else this.mailbox.push(m);
  }

  /**
   * Resolves to the first message with `tag` (and, with `match`, a payload that passes it), taking it
   * from the mailbox; waits up to `timeout` ms (default 100) for one to arrive. Otherwise rejects
   * with an AssertionError that lists what the probe did receive.
   *
   * ```ts
   * const { payload } = await probe.assertReceive('event');
   * await probe.assertReceive('event', { match: (p) => (p as Event).id === 2, timeout: 500 });
   * ```
   */
  assertReceive(tag: string, options: number | ReceiveOptions = {}): Promise<Received> {
    let checked: ReturnType<typeof receiveOptions>;
    try {
      checked = receiveOptions('assertReceive', tag, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const { timeout, match } = checked;
    const matches = (m: Received): boolean => m.tag === tag && (match === undefined || match(m.payload));
    const i = this.mailbox.findIndex(matches);
    if (i >= 0) return Promise.resolve(this.mailbox.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        resolve: (m) => {
          if (timer !== undefined) nativeClearTimeout(timer);
          resolve(m);
        },
      };
      const timer =
        timeout === Infinity
          ? undefined
          : nativeSetTimeout(() => {
              this.waiters.splice(this.waiters.indexOf(waiter), 1);
              const what = match === undefined ? `a message '${tag}'` : `a message '${tag}' whose payload matches`;
              reject(
                new AssertionError({
                  message: `${this.ref} expected ${what} within ${timeout} ms, ${this.describe()}`,
                  stackStartFn: this.assertReceive,
                }),
              );
            }, timeout);
      this.waiters.push(waiter);
    });
  }

  /**
   * Resolves after `timeout` ms (default 100) if no message with `tag` arrived (nor waits in the
   * mailbox); rejects at once with an AssertionError when one does.
   *
   * ```ts
   * await probe.refuteReceive('event', 50);
   * ```
   */
  refuteReceive(tag: string, options: number | ReceiveOptions = {}): Promise<void> {
    let checked: ReturnType<typeof receiveOptions>;
    try {
      checked = receiveOptions('refuteReceive', tag, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const { timeout, match } = checked;
    if (timeout === Infinity) return Promise.reject(new ArgumentError('timeout', timeout, 'a finite number >= 0 (ms)'));
    const matches = (m: Received): boolean => m.tag === tag && (match === undefined || match(m.payload));
    const fail = (m: Received): AssertionError =>
      new AssertionError({
        message: `${this.ref} expected no message '${tag}' within ${timeout} ms, but received ${show(m)}`,
        stackStartFn: this.refuteReceive,
      });
    const already = this.mailbox.find(matches);
    if (already !== undefined) return Promise.reject(fail(already));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        resolve: (m) => {
          nativeClearTimeout(timer);
          this.mailbox.push(m); // refuting takes nothing
          reject(fail(m));
        },
      };
      const timer = nativeSetTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolve();
      }, timeout);
      this.waiters.push(waiter);
    });
  }

  /** Monitors `server`: its exit arrives as info 'DOWN' with `{ monitor, ref, reason }`. */
  monitor(server: ServerTarget): MonitorRef {
    return this.server.monitor(server);
  }

  /** Links the probe to `server` (start it with `trapExits: true` to receive the exit as info 'EXIT'). */
  link(server: ServerTarget): void {
    this.server.link(server);
  }

  /** Forgets the messages in the mailbox (`received` keeps its history). */
  clear(): void {
    this.mailbox.length = 0;
  }

  /** Stops the probe (also done after the test by `cleanup`). */
  async stop(): Promise<void> {
    if (GenServer.isAlive(this.ref)) await GenServer.stop(this.ref);
  }

  private describe(): string {
    if (this.received.length === 0) return 'but it received nothing.';
    const lines = this.received.map((m) => `  ${this.mailbox.includes(m) ? ' ' : '✓'} ${show(m)}`);
    return `but it received (✓ = already taken by assertReceive):\n${lines.join('\n')}`;
  }
}

function show(m: Received): string {
  return `${m.kind} '${m.tag}' ${inspect(m.payload, { depth: 2, breakLength: Infinity })}`;
}

function receiveOptions(fn: string, tag: unknown, options: number | ReceiveOptions): { timeout: number; match: ReceiveOptions['match'] } {
  if (typeof tag !== 'string') throw new ArgumentError('tag', tag, `a message tag (string) for ${fn}`);
  const o = typeof options === 'number' ? { timeout: options } : options;
  if (typeof o !== 'object' || o === null) throw new ArgumentError('options', options, 'a timeout in ms or { timeout, match }');
  const timeout = o.timeout ?? DEFAULT_TIMEOUT;
  if (typeof timeout !== 'number' || !(timeout >= 0)) throw new ArgumentError('timeout', timeout, 'a number >= 0 (ms) or Infinity');
  if (o.match !== undefined && typeof o.match !== 'function') throw new ArgumentError('match', o.match, 'a function of the payload');
  return { timeout, match: o.match };
}

/**
 * Starts a probe: a server that accepts every message and records it, stopped after the test.
 *
 * ```ts
 * const probe = await startProbe();
 * GenServer.cast(pubsub, 'subscribe', probe.ref);
 * GenServer.cast(pubsub, 'publish', 'hi');
 * const { payload } = await probe.assertReceive('message'); // 'hi'
 * await probe.refuteReceive('message');
 * ```
 *
 * Options: `name` (default none), `trapExits` (default false). Rejects with `AlreadyStartedError`
 * when the name is taken.
 */
export async function startProbe(options: ProbeOptions = {}): Promise<Probe> {
  if (typeof options !== 'object' || options === null) throw new ArgumentError('options', options, "an object such as { name: 'mailer' }");
  const { name, trapExits = false } = options;
  if (name !== undefined) {
    checkName(name);
    const holder = whereisProcess(name);
    if (holder !== undefined && holder.status !== DEAD) throw new AlreadyStartedError(name, holder.ref);
  }
  if (typeof trapExits !== 'boolean') throw new ArgumentError('options.trapExits', trapExits, 'a boolean');
  const server = new ProbeServer();
  const proc = new Process(server, router);
  (server as { self: ServerRef }).self = proc.ref;
  proc.trapping = trapExits;
  const probe = new Probe(server);
  server.probe = probe;
  await proc.start(undefined, name, undefined);
  onExit(() => probe.stop());
  return probe;
}
