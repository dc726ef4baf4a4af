import { AlreadyStartedError, ArgumentError, GenServerError, NoProcError, StartTimeoutError } from '../errors';
import type { GlobalName } from './client';
import { routerFor } from '../metadata';
import { currentProcess } from '../process/context';
import { checkName, whereisProcess, type Name } from '../process/names';
import { Delay } from '../process/delay';
import { Process } from '../process/process';
import { DEAD, STARTING } from '../process/status';
import type { ServerRef } from '../process/ref';
import { remote } from '../process/remote';

/** Options of `start` and `startLink`. */
export interface StartOptions {
  /**
   * Register the server under this name (a string or a class). Default: none; the class itself for
   * `@singleton`. `{ global: 'room:lobby' }` registers it cluster-wide (after `Node.connect`) before
   * its init runs: of several starts racing for one global name exactly one succeeds, the others
   * reject with `AlreadyStartedError` (the holder's ref) and their servers never run.
   */
  name?: Name | GlobalName;
  /** Give up (and kill the half-started server) if `@init` takes longer than this many ms. Default: Infinity. */
  timeout?: number;
  /** Refuse calls and drop casts/infos beyond this many queued user messages. Default: Infinity. */
  maxMailbox?: number;
  /** Log every message in, reply out and new state through the logger's `info`, like `:sys.trace`. Default: false. */
  trace?: boolean;
  /**
   * Start the server on this node (a worker thread from `Node.startThreads`, a cluster member).
   * Default: this node. The class is found there by its registered name (see `Node.register`);
   * `startLink` links across the nodes.
   */
  node?: string;
}

const KEYS = ['name', 'timeout', 'maxMailbox', 'trace', 'node'];

const NO_OPTIONS: StartOptions = Object.freeze({});

function checkOptions(options: unknown): StartOptions {
  if (options === undefined) return NO_OPTIONS;
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError('options', options, 'an object such as { name: "my_server" }');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.includes(key)) throw new ArgumentError(`options.${key}`, o[key], `one of the start options: ${KEYS.join(', ')}`);
  }
  if (o.name !== undefined && !isGlobal(o.name)) checkName(o.name);
  if (o.timeout !== undefined && !(typeof o.timeout === 'number' && o.timeout >= 0)) {
    throw new ArgumentError('options.timeout', o.timeout, 'a finite number >= 0 or Infinity (milliseconds)');
  }
  if (
    o.maxMailbox !== undefined &&
    !(typeof o.maxMailbox === 'number' && o.maxMailbox >= 1 && (Number.isInteger(o.maxMailbox) || o.maxMailbox === Infinity))
  ) {
    throw new ArgumentError('options.maxMailbox', o.maxMailbox, 'a whole number >= 1 or Infinity');
  }
  if (o.trace !== undefined && typeof o.trace !== 'boolean') throw new ArgumentError('options.trace', o.trace, 'a boolean');
  if (o.node !== undefined && !(typeof o.node === 'string' && o.node.length > 0)) {
    throw new ArgumentError('options.node', o.node, 'a node name such as Node.self() or one returned by Node.startThreads()');
  }
  return o as StartOptions;
}

function isGlobal(name: unknown): name is GlobalName {
  if (typeof name !== 'object' || name === null || !('global' in name)) return false;
  const global = (name as GlobalName).global;
  if (typeof global !== 'string' || global.length === 0) throw new ArgumentError('options.name.global', global, 'a non-empty string');
  return true;
}

/** Starts a server of class `cls`; `root` is the GenServer base class, where handler lookup stops. */
export function startServer(
  cls: new () => object,
  root: Function,
  arg: unknown,
  options: unknown,
  linked: boolean,
): Promise<ServerRef | undefined> {
  try {
    const router = routerFor(cls, root);
    const opts = checkOptions(options);
    if (opts.node !== undefined && remote.hooks !== undefined && opts.node !== remote.hooks.selfNode()) {
      return remote.hooks.start(cls, arg, opts as Record<string, unknown>, linked ? currentProcess() : undefined);
    }
    const global = opts.name !== undefined && isGlobal(opts.name) ? opts.name.global : undefined;
    if (global !== undefined && remote.hooks?.registerGlobal === undefined) {
      return Promise.reject(new GenServerError(`A global name ({ global: '${global}' }) needs a cluster: call Node.connect() first.`));
    }
    const name = global !== undefined ? undefined : ((opts.name as Name | undefined) ?? (router.singleton ? cls : undefined));
    if (name !== undefined) {
      const holder = whereisProcess(name);
      if (holder !== undefined && holder.status !== DEAD) return Promise.reject(new AlreadyStartedError(name, holder.ref));
    }
    const parent = linked ? currentProcess() : undefined;
    // startLink from code whose server has exited (an async handler resuming after a kill): the
    // child would outlive its parent, so nothing starts.
    if (parent?.isDead) return Promise.reject(new NoProcError(parent.ref));
    const server = new cls();
    const proc = new Process(server, router);
    (server as { self: ServerRef }).self = proc.ref;
    if (opts.maxMailbox !== undefined) proc.maxMailbox = opts.maxMailbox;
    if (opts.trace) proc.tracing = true;
    // A global name is registered before init runs (the gate), so a loser's init never runs.
    const gate = global === undefined ? undefined : remote.hooks!.registerGlobal!(global, proc.ref);
    const started = proc.start(arg, name, parent, gate);
    return opts.timeout === undefined || opts.timeout === Infinity ? started : withTimeout(started, proc, cls, opts.timeout);
  } catch (error) {
    return Promise.reject(error);
  }
}

function withTimeout(
  started: Promise<ServerRef | undefined>,
  proc: Process,
  cls: Function,
  timeout: number,
): Promise<ServerRef | undefined> {
  return new Promise((resolve, reject) => {
    const timer = new Delay(() => {
      if (proc.status !== STARTING) return;
      proc.failStart('killed');
      reject(new StartTimeoutError(cls, timeout));
    }, timeout);
    started.then(
      (ref) => {
        timer.cancel();
        resolve(ref);
      },
      (error: unknown) => {
        timer.cancel();
        reject(error);
      },
    );
  });
}
