import { isMainThread } from 'node:worker_threads';
import {
  ArgumentError,
  ClassNameError,
  GenServerError,
  NoProcError,
  ServerExitError,
  NodeDownError,
  PayloadError,
  StopTimeoutError,
} from '../errors';
import { logger } from '../logger';
import { addDeadline } from '../process/deadlines';
import { MonitorRef } from '../process/links';
import { CALL, CAST, CallMessage, INFO, Message, STOP, reject, settle } from '../process/message';
import { ViaName } from '../process/names';
import type { Process } from '../process/process';
import { PROC, ServerRef } from '../process/ref';
import { remote, type RemoteHooks, type SystemRequest } from '../process/remote';
import { DEAD } from '../process/status';
import { classNameOf } from './classes';
import { forgetNode, forgetRef, internRef, RemoteRef } from './remote_ref';
import {
  F_CALL,
  F_CAST,
  F_DEMONITOR,
  F_DOWN,
  F_EXIT,
  F_INFO,
  F_LINK,
  F_MONITOR,
  F_REPLY,
  F_SPAWN,
  F_SYS,
  F_UNLINK,
  F_WHEREIS,
  R_ERROR,
  R_OK,
  type Frame,
  type Transport,
} from './transport';
import {
  decode,
  decodeError,
  encode,
  encodeLenient,
  isErrorMarker,
  type ErrorMarker,
  type FromMarker,
  type RefMarker,
  type WireContext,
} from './wire';

// The node layer: this node's name, the nodes it reaches and through which transport, and the
// remote half of every client function (the hooks the runtime calls for targets that are not
// here). What a node does with the frames it receives is in serve.ts.

/** This node: its name, and an incarnation number that tells it from earlier runs under the same name. */
export const self = {
  name: isMainThread ? (process.env.GENSERVER_NODE ?? 'main') : 'thread',
  inc: (Math.random() * 0x7fffffff) | 0 || 1,
};

/** Names this node; only before any other node is reached (worker threads and `Node.connect` do it). */
export function setSelfName(name: string): void {
  if (peers.size > 0)
    throw new GenServerError(`Node.self() cannot change to '${name}' while other nodes are connected (it is '${self.name}').`);
  self.name = name;
}

/** Links and monitors of one local process across nodes (its `remote` field). */
export interface Attachments {
  /** Remote servers linked to this one. */
  links: Set<RemoteRef>;
  /** The remote server that started this one with startLink (its exit makes a trapping server terminate). */
  parent: RemoteRef | undefined;
  /** Monitors that servers of other nodes hold on this one: `node:monitorId`. */
  watchers: Set<string>;
  /** Monitors this one holds on remote servers, by id. */
  watching: Set<number>;
  /** Node monitors (`monitorNode`), with their counts. */
  nodes: Map<string, number> | undefined;
}

/** A node this one reaches. */
interface Peer {
  readonly name: string;
  readonly transport: Transport;
}

/** Requests to other nodes waiting for an answer (`F_REPLY`), by call id. */
const pending = new Map<number, RemoteCall>();
/**
 * Local calls whose `from` went to another node (for a deferred reply from there), by call id.
 * An entry leaves when the reply arrives from there. A call answered some other way (by the local
 * server, by its timeout) is swept out once the map has doubled since the last sweep, so entries of
 * settled calls never outnumber the live ones by more than that (plus SWEEP_MIN).
 */
const exportedFroms = new Map<number, CallMessage>();
const SWEEP_MIN = 64;
let sweepAt = SWEEP_MIN;

function exportFrom(msg: CallMessage): number {
  if (exportedFroms.size >= sweepAt) {
    for (const [id, call] of exportedFroms) if (call.resolve === undefined) exportedFroms.delete(id);
    sweepAt = Math.max(SWEEP_MIN, 2 * exportedFroms.size);
  }
  const id = ++lastCallId;
  exportedFroms.set(id, msg);
  return id;
}

/** How many local calls' `from`s are held for a reply from another node (for the leak specs). */
export function exportedFromCount(): number {
  return exportedFroms.size;
}

export const peers = new Map<string, Peer>();
/** Local processes whose refs went to other nodes, by id, so frames can reach them. */
export const exported = new Map<number, Process>();
/**
 * Refs of exported local processes that have exited, held weakly: a dead ref that comes home is
 * still the very same object, and nobody holding it lets the entry go.
 */
const deadRefs = new Map<number, WeakRef<ServerRef>>();
const deadCollected = new FinalizationRegistry<number>((id) => {
  if (deadRefs.get(id)?.deref() === undefined) deadRefs.delete(id);
});

/** An exported process has exited: frames no longer reach it, and its ref stays itself. */
export function unexport(proc: Process): void {
  if (!exported.delete(proc.id)) return;
  deadRefs.set(proc.id, new WeakRef(proc.ref));
  deadCollected.register(proc.ref, proc.id);
}

/** Local processes with links or monitors across nodes. */
export const attached = new Set<Process>();
/** Monitors held here on remote servers, by id. */
export const monitors = new Map<number, RemoteMonitor>();
/** Monitors held by servers of other nodes on servers here: `node:monitorId` → the watched process. */
export const watchedBy = new Map<string, Process>();
/** Local servers monitoring nodes. */
const nodeWatchers = new Set<Process>();

interface RemoteMonitor {
  readonly id: number;
  readonly node: string;
  ref: RemoteRef | undefined;
  /** A server's monitor (delivers DOWN), or an awaitExit waiter. */
  readonly watcher: Process | undefined;
  readonly monitor: MonitorRef | undefined;
}

let lastCallId = 0;
let lastMonitorId = 0;

/**
 * A request to another node, waiting for its `F_REPLY`. It is a CallMessage, so it uses the same
 * deadline list as local calls (the timeout stays on the caller's side) and the same settle/reject.
 */
export class RemoteCall extends CallMessage {
  constructor(
    readonly peer: Peer,
    readonly callId: number,
    tag: string,
    target: unknown,
    /** Turns the decoded reply into the value the caller gets (starts link the new server, say). */
    readonly onReply: ((value: unknown) => unknown) | undefined,
  ) {
    super(CALL, tag, undefined, target);
  }

  override expire(duration: number): void {
    pending.delete(this.callId);
    super.expire(duration);
  }
}

/** A call from another node, delivered to a local server: its answer goes back as an `F_REPLY`. */
export class IncomingCall extends CallMessage {
  constructor(
    readonly origin: string,
    readonly callId: number,
    tag: string,
    payload: unknown,
    target: unknown,
  ) {
    super(CALL, tag, payload, target);
    this.resolve = (v) => answer(origin, callId, R_OK, v);
    this.reject = (e) => answer(origin, callId, R_ERROR, e);
  }
}

// ---- wire context ------------------------------------------------------------------------------

export const wire: WireContext = {
  get self() {
    return self.name;
  },
  describeRef(ref: ServerRef): RefMarker {
    if (ref instanceof RemoteRef) return { $: 'ref', node: ref.node, inc: ref.inc, id: ref.id, cls: ref.className };
    const proc = ref[PROC];
    if (proc.status !== DEAD && !exported.has(proc.id)) {
      exported.set(proc.id, proc);
      attach(proc);
    }
    return { $: 'ref', node: self.name, inc: self.inc, id: proc.id, cls: proc.className };
  },
  refOf(marker: RefMarker): ServerRef {
    if (marker.node === self.name) {
      const proc = marker.inc === self.inc ? exported.get(marker.id) : undefined;
      // A ref of this node that is no longer (or never was) here: a dead ref, as OTP's stale pids.
      if (proc !== undefined) return proc.ref;
      const dead = marker.inc === self.inc ? deadRefs.get(marker.id)?.deref() : undefined;
      if (dead !== undefined) return dead;
      const stale = internRef(`${self.name}#${marker.inc}`, marker.inc, marker.id, marker.cls);
      stale.dead = true;
      return stale;
    }
    return internRef(marker.node, marker.inc, marker.id, marker.cls);
  },
  isServerClass(value: Function): boolean {
    return serverClassTest(value);
  },
  describeFrom(msg: CallMessage): FromMarker {
    if (msg instanceof IncomingCall) return { $: 'from', node: msg.origin, id: msg.callId };
    return { $: 'from', node: self.name, id: exportFrom(msg) };
  },
  fromOf(marker: FromMarker): CallMessage {
    if (marker.node === self.name) {
      const exportedFrom = exportedFroms.get(marker.id);
      if (exportedFrom !== undefined) return exportedFrom;
      // The `from` of a call this node sent elsewhere, come back: answering it answers that call.
      const local = new CallMessage(CALL, 'reply', undefined, undefined);
      local.resolve = (v) => {
        const call = pending.get(marker.id);
        if (call === undefined) return;
        pending.delete(marker.id);
        settle(call, v);
      };
      return local;
    }
    return new IncomingCall(marker.node, marker.id, 'reply', undefined, undefined);
  },
};

let serverClassTest: (value: Function) => boolean = () => false;
/** The node layer's entry sets how a GenServer class is recognised (it knows the base class). */
export function setServerClassTest(test: (value: Function) => boolean): void {
  serverClassTest = test;
}

export function attach(proc: Process): Attachments {
  let a = proc.remote as Attachments | undefined;
  if (a === undefined) {
    a = { links: new Set(), parent: undefined, watchers: new Set(), watching: new Set(), nodes: undefined };
    proc.remote = a;
    attached.add(proc);
  }
  return a;
}

// ---- sending -----------------------------------------------------------------------------------

/** Where a target lives: a remote ref, or `{ name, node }` on another node; undefined for anything else. */
function locate(target: unknown): { node: string; to: number | string; inc: number; ref: RemoteRef | undefined } | undefined {
  if (target instanceof RemoteRef) return { node: target.node, to: target.id, inc: target.inc, ref: target };
  if (target instanceof ViaName) {
    // A via name whose registry knows refs of other nodes (PartitionSupervisor.via).
    const ref = target.registry.whereisRef?.(target.key);
    return ref instanceof RemoteRef ? { node: ref.node, to: ref.id, inc: ref.inc, ref } : undefined;
  }
  if (typeof target === 'object' && target !== null && !(target instanceof ServerRef)) {
    const { name, node } = target as { name?: unknown; node?: unknown };
    if (typeof name === 'string' && typeof node === 'string' && node !== self.name) return { node, to: name, inc: 0, ref: undefined };
  }
  return undefined;
}

/** `{ name, node }` naming this node: the local name. */
function localName(target: unknown): string | undefined {
  if (typeof target === 'object' && target !== null && !(target instanceof ServerRef)) {
    const { name, node } = target as { name?: unknown; node?: unknown };
    if (typeof name === 'string' && node === self.name) return name;
  }
  return undefined;
}

/** The transport route to `node`: itself, or (for `parent/child` names) the nearest parent reached. */
export function peerFor(node: string): Peer | undefined {
  const peer = peers.get(node);
  if (peer !== undefined) return peer;
  for (let i = node.lastIndexOf('/'); i > 0; i = node.lastIndexOf('/', i - 1)) {
    const parent = peers.get(node.slice(0, i));
    if (parent !== undefined) return parent;
  }
  return undefined;
}

export function sendFrame(node: string, frame: Frame): boolean {
  const peer = peerFor(node);
  if (peer === undefined) return false;
  peer.transport.send(node, frame);
  return true;
}

/** Sends a request and resolves with its answer; NodeDownError at once if the node is not reached. */
function requestTo(
  node: string,
  target: unknown,
  tag: string,
  timeout: number,
  frame: (callId: number) => Frame,
  onReply?: (value: unknown) => unknown,
): Promise<unknown> {
  const peer = peerFor(node);
  if (peer === undefined)
    return Promise.reject(
      new NodeDownError(node, `${tag === 'start' ? 'Starting a server' : `'${tag}' to ${String(describeTarget(target))}`}`),
    );
  const callId = ++lastCallId;
  const call = new RemoteCall(peer, callId, tag, target, onReply);
  pending.set(callId, call);
  const promise = new Promise<unknown>((resolve, rejectFn) => {
    call.resolve = resolve;
    call.reject = rejectFn;
  });
  if (timeout !== Infinity) addDeadline(call, timeout);
  peer.transport.send(node, frame(callId));
  return promise;
}

function describeTarget(target: unknown): unknown {
  if (typeof target === 'object' && target !== null && !(target instanceof ServerRef)) {
    const { name, node } = target as { name: string; node: string };
    return `'${name}' on node '${node}'`;
  }
  return target;
}

/** Answers a request received from `node`. */
export function answer(node: string, callId: number, status: number, value: unknown): void {
  if (status === R_OK) {
    let wireValue: unknown, enc: 0 | 1;
    try {
      [wireValue, enc] = encode(value, 'the reply', wire);
    } catch (error) {
      [wireValue, enc] = [encodeLenient(error, wire)[0], 1];
      status = R_ERROR;
    }
    sendFrame(node, [F_REPLY, callId, status, wireValue, enc]);
  } else {
    sendFrame(node, [F_REPLY, callId, R_ERROR, encodeLenient(value, wire)[0], 1]);
  }
}

/** An `F_REPLY` arrived. */
export function replied(from: string, callId: number, status: number, value: unknown, enc: number): void {
  void from;
  let call: CallMessage | undefined = pending.get(callId);
  if (call !== undefined) pending.delete(callId);
  else {
    // A deferred reply, from any node, to a local call whose `from` crossed.
    call = exportedFroms.get(callId);
    if (call === undefined) return; // timed out: the late reply is dropped
    exportedFroms.delete(callId);
  }
  let decoded: unknown;
  try {
    decoded = enc ? decode(value, wire) : value;
  } catch (error) {
    return reject(call, error);
  }
  if (status !== R_OK) {
    let error = isErrorMarker(value) ? decodeError(value as ErrorMarker, wire) : (decoded as Error);
    if (error instanceof NoProcError) error = new NoProcError(call.target);
    // The caller named the server its own way: errors say `server` as the caller passed it.
    if (error instanceof GenServerError && 'server' in error) (error as { server: unknown }).server = call.target;
    if ((error instanceof NoProcError || error instanceof ServerExitError) && call.target instanceof RemoteRef) forgetRef(call.target);
    return reject(call, error);
  }
  if (!(call instanceof RemoteCall) || call.onReply === undefined) return settle(call, decoded);
  try {
    settle(call, call.onReply(decoded));
  } catch (error) {
    reject(call, error);
  }
}

// ---- the hooks ---------------------------------------------------------------------------------

function isRemote(target: unknown): boolean {
  return target instanceof RemoteRef || locate(target) !== undefined || localName(target) !== undefined;
}

function deadOrDown(target: unknown): Error | undefined {
  const where = locate(target);
  if (where === undefined) return new NoProcError(target);
  if (where.ref?.dead) return new NoProcError(target);
  if (peerFor(where.node) === undefined) return new NodeDownError(where.node, `A message to ${String(describeTarget(target))}`);
  return undefined;
}

function call(target: unknown, tag: string, payload: unknown, timeout: number): Promise<unknown> {
  const name = localName(target);
  if (name !== undefined) return local.call(name, tag, payload, timeout);
  const problem = deadOrDown(target);
  if (problem !== undefined) return Promise.reject(problem);
  const where = locate(target)!;
  let wireValue: unknown, enc: 0 | 1;
  try {
    [wireValue, enc] = encode(payload, `The payload of call '${tag}'`, wire);
  } catch (error) {
    return Promise.reject(error);
  }
  return requestTo(where.node, target, tag, timeout, (id) => [F_CALL, id, where.to, tag, wireValue, enc, where.inc]);
}

function cast(target: unknown, info: boolean, tag: string, payload: unknown): void {
  const name = localName(target);
  if (name !== undefined) return info ? local.send(name, tag, payload) : local.cast(name, tag, payload);
  const where = locate(target);
  if (where === undefined || where.ref?.dead) return;
  let wireValue: unknown, enc: 0 | 1;
  try {
    [wireValue, enc] = encode(payload, `The payload of ${info ? 'send' : 'cast'} '${tag}'`, wire);
  } catch (error) {
    logger().warn(`Dropped the ${info ? 'send' : 'cast'} '${tag}' to ${String(describeTarget(target))}: ${(error as Error).message}`, {
      server: target,
      tag,
      error,
    });
    return;
  }
  sendFrame(where.node, [info ? F_INFO : F_CAST, where.to, tag, wireValue, enc, where.inc]);
}

function system(target: unknown, request: SystemRequest, arg: unknown, timeout: number): Promise<unknown> {
  const name = localName(target);
  if (name !== undefined) {
    if (request === 'stop') return local.stop(name, arg, timeout);
    if (request === 'getState') return local.getState(name, timeout);
    if (request === 'info') return local.info(name);
    if (request === 'getStatus') return local.getStatus(name, timeout);
    return local.replaceState(name, arg as (s: unknown) => unknown, timeout);
  }
  if (request === 'replaceState') {
    return Promise.reject(
      new PayloadError(
        'The function of replaceState',
        arg,
        'a function cannot run on another node; send a call the server handles instead',
      ),
    );
  }
  const problem = deadOrDown(target);
  if (problem !== undefined) return Promise.reject(problem);
  const where = locate(target)!;
  const [wireValue, enc] = encodeLenient(arg, wire);
  const answer = requestTo(
    where.node,
    target,
    request,
    request === 'stop' ? Infinity : timeout,
    (id) => [F_SYS, id, where.to, where.inc, request, wireValue, enc],
    request === 'stop'
      ? () => {
          if (where.ref !== undefined) forgetRef(where.ref);
          return undefined;
        }
      : undefined,
  );
  if (request !== 'stop' || timeout === Infinity) return answer;
  // stop's timeout gives up waiting, as locally; the server goes on terminating.
  return new Promise((resolve, rejectFn) => {
    const timer = setTimeout(() => rejectFn(new StopTimeoutError(target, timeout)), timeout);
    answer.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        rejectFn(e);
      },
    );
  });
}

function exit(target: unknown, reason: unknown, from: Process | undefined): void {
  const name = localName(target);
  if (name !== undefined) return local.exit(name, reason);
  const where = locate(target);
  if (where === undefined || where.ref?.dead || typeof where.to !== 'number') {
    if (where !== undefined && typeof where.to === 'string') {
      logger().warn(
        `GenServer.exit() needs a ref for a server on another node, not ${String(describeTarget(target))}: resolve it with await GenServer.whereis({ name, node }).`,
      );
    }
    return;
  }
  const [wireReason, enc] = encodeLenient(reason, wire);
  sendFrame(where.node, [F_EXIT, where.to, where.inc, from === undefined ? undefined : wire.describeRef(from.ref), wireReason, enc, 0]);
}

function linkRemote(proc: Process, target: unknown): void {
  const ref = target instanceof RemoteRef ? target : undefined;
  if (ref === undefined) {
    throw new ArgumentError(
      'server',
      target,
      'a ref to link to a server on another node (resolve a name first: await GenServer.whereis({ name, node }))',
    );
  }
  if (ref.dead) return proc.exitSignal(undefined, 'noproc', ref);
  if (peerFor(ref.node) === undefined) return proc.exitSignal(undefined, 'noconnection', ref);
  const a = attach(proc);
  if (a.links.has(ref)) return;
  a.links.add(ref);
  sendFrame(ref.node, [F_LINK, ref.id, ref.inc, wire.describeRef(proc.ref)]);
}

function unlinkRemote(proc: Process, target: unknown): void {
  if (!(target instanceof RemoteRef)) return;
  const a = proc.remote as Attachments | undefined;
  if (a === undefined || !a.links.delete(target)) return;
  if (a.parent === target) a.parent = undefined;
  sendFrame(target.node, [F_UNLINK, target.id, target.inc, wire.describeRef(proc.ref)]);
}

function monitorRemote(proc: Process, target: unknown): MonitorRef {
  const monitor = new MonitorRef(proc, undefined);
  const where = locate(target);
  const ref = where?.ref;
  const down = (reason: unknown): void => proc.deliverControl(new Message(INFO, 'DOWN', { monitor, ref, reason }, proc.ref));
  if (where === undefined) {
    down('noproc');
    return monitor;
  }
  if (ref?.dead) {
    down('noproc');
    return monitor;
  }
  if (peerFor(where.node) === undefined) {
    down('noconnection');
    return monitor;
  }
  const id = ++lastMonitorId;
  monitors.set(id, { id, node: where.node, ref, watcher: proc, monitor });
  monitorIds.set(monitor, id);
  attach(proc).watching.add(id);
  sendFrame(where.node, [F_MONITOR, where.to, where.inc, wire.describeRef(proc.ref), id]);
  return monitor;
}

const monitorIds = new WeakMap<MonitorRef, number>();

function demonitorRemote(proc: Process, monitor: MonitorRef): boolean | undefined {
  const id = monitorIds.get(monitor);
  if (id === undefined) return undefined;
  monitorIds.delete(monitor);
  const entry = monitors.get(id);
  (proc.remote as Attachments | undefined)?.watching.delete(id);
  if (entry === undefined) return false;
  monitors.delete(id);
  sendFrame(entry.node, [F_DEMONITOR, id]);
  return true;
}

function awaitExit(target: unknown): Promise<unknown> {
  const name = localName(target);
  if (name !== undefined) return local.awaitExit(name);
  if (!(target instanceof RemoteRef))
    return Promise.reject(
      new ArgumentError(
        'server',
        target,
        'a ref (to wait for a server on another node, resolve its name first: await GenServer.whereis({ name, node }))',
      ),
    );
  if (target.dead) return Promise.resolve('noproc');
  if (peerFor(target.node) === undefined) return Promise.resolve('noconnection');
  return new Promise((resolve) => {
    (target.waiters ??= []).push(resolve);
    if (target.waitMonitor !== undefined) return;
    const id = ++lastMonitorId;
    target.waitMonitor = id;
    monitors.set(id, { id, node: target.node, ref: target, watcher: undefined, monitor: undefined });
    sendFrame(target.node, [F_MONITOR, target.id, target.inc, undefined, id]);
  });
}

function whereis(target: unknown): Promise<ServerRef | undefined> {
  const name = localName(target);
  if (name !== undefined) return Promise.resolve(local.whereis(name));
  const where = locate(target)!;
  return requestTo(where.node, target, 'whereis', 5000, (id) => [F_WHEREIS, id, where.to]) as Promise<ServerRef | undefined>;
}

function start(cls: Function, arg: unknown, options: Record<string, unknown>, parent: Process | undefined): Promise<ServerRef | undefined> {
  const node = options.node as string;
  const crossing: Record<string, unknown> = {};
  for (const key of ['name', 'timeout', 'maxMailbox', 'trace']) if (options[key] !== undefined) crossing[key] = options[key];
  const global =
    typeof crossing.name === 'object' && crossing.name !== null && typeof (crossing.name as { global?: unknown }).global === 'string';
  if (crossing.name !== undefined && typeof crossing.name !== 'string' && typeof crossing.name !== 'function' && !global) {
    return Promise.reject(
      new ArgumentError(
        'options.name',
        crossing.name,
        "a string, a @singleton class or { global } to name a server on another node (a via name lives on the registry's node)",
      ),
    );
  }
  let wireArg: unknown, enc: 0 | 1, wireOptions: unknown;
  try {
    [wireArg, enc] = encode(arg, 'The start argument', wire);
    wireOptions = encode(crossing, 'The start options', wire)[0];
  } catch (error) {
    return Promise.reject(error);
  }
  const className = classNameOf(cls);
  const linkTo = parent === undefined ? undefined : wire.describeRef(parent.ref);
  return waitForNode(node, (options.timeout as number | undefined) ?? Infinity).then(() =>
    requestTo(
      node,
      cls,
      'start',
      Infinity,
      (id) => [F_SPAWN, id, className, wireArg, enc, wireOptions, linkTo],
      (ref) => {
        if (parent !== undefined && ref instanceof RemoteRef) {
          // The other node linked the new server to the parent before answering; this is our half.
          if (parent.status === DEAD) exit(ref, parent.exitReason, parent);
          else attach(parent).links.add(ref);
        }
        return ref;
      },
    ),
  ) as Promise<ServerRef | undefined>;
}

/** Resolves once `node` is reached; a restarting thread of this node is waited for (see threads.ts). */
let waitForNode: (node: string, timeout: number) => Promise<void> = (node) =>
  peerFor(node) !== undefined ? Promise.resolve() : Promise.reject(new NodeDownError(node, 'Starting a server'));
export function setNodeWaiter(fn: (node: string, timeout: number) => Promise<void>): void {
  waitForNode = fn;
}

function isAlive(target: unknown): boolean {
  const name = localName(target);
  if (name !== undefined) return local.isAlive(name);
  if (target instanceof RemoteRef) return !target.dead && peerFor(target.node) !== undefined;
  return false;
}

function monitorNode(proc: Process, node: string, on: boolean): void {
  const a = attach(proc);
  const nodes = (a.nodes ??= new Map());
  const count = nodes.get(node) ?? 0;
  if (!on) {
    if (count <= 1) nodes.delete(node);
    else nodes.set(node, count - 1);
    return;
  }
  if (node !== self.name && peerFor(node) === undefined) {
    proc.deliverControl(new Message(INFO, 'nodedown', { node }, proc.ref));
    return;
  }
  nodes.set(node, count + 1);
  nodeWatchers.add(proc);
}

/** A local process with attachments died: tell the other nodes. */
function exited(proc: Process, reason: unknown): void {
  const a = proc.remote as Attachments;
  attached.delete(proc);
  nodeWatchers.delete(proc);
  unexport(proc);
  if (a.links.size === 0 && a.watchers.size === 0 && a.watching.size === 0) return;
  const me = wire.describeRef(proc.ref);
  const [wireReason, enc] = encodeLenient(reason, wire);
  for (const ref of a.links) sendFrame(ref.node, [F_EXIT, ref.id, ref.inc, me, wireReason, enc, 1]);
  for (const key of a.watchers) {
    watchedBy.delete(key);
    const i = key.lastIndexOf(':');
    sendFrame(key.slice(0, i), [F_DOWN, Number(key.slice(i + 1)), me, wireReason, enc]);
  }
  for (const id of a.watching) {
    const entry = monitors.get(id);
    if (entry === undefined) continue;
    monitors.delete(id);
    sendFrame(entry.node, [F_DEMONITOR, id]);
  }
  a.links.clear();
  a.watchers.clear();
  a.watching.clear();
}

/** The local half of `{ name, node }` targets that name this node (set by the entry: the client functions). */
export const local = {} as {
  call(name: string, tag: string, payload: unknown, timeout: number): Promise<unknown>;
  cast(name: string, tag: string, payload: unknown): void;
  send(name: string, tag: string, payload: unknown): void;
  stop(name: string, reason: unknown, timeout: number): Promise<void>;
  getState(name: string, timeout: number): Promise<unknown>;
  getStatus(name: string, timeout: number): Promise<unknown>;
  replaceState(name: string, fn: (s: unknown) => unknown, timeout: number): Promise<unknown>;
  exit(name: string, reason: unknown): void;
  awaitExit(name: string): Promise<unknown>;
  whereis(name: string): ServerRef | undefined;
  isAlive(name: string): boolean;
  info(name: string): Promise<unknown>;
};

export const hooks: RemoteHooks = {
  isRemote,
  call,
  cast,
  system,
  exit,
  link: linkRemote,
  unlink: unlinkRemote,
  monitor: monitorRemote,
  demonitor: demonitorRemote,
  isAlive,
  awaitExit,
  whereis,
  start,
  exited,
  selfNode: () => self.name,
  monitorNode,
};
remote.hooks = hooks;

// ---- membership --------------------------------------------------------------------------------

const downListeners = new Set<(node: string) => void>();
/** Calls `fn` with the name of every node that goes down; returns a function that stops it. */
export function onNodeDown(fn: (node: string) => void): () => void {
  downListeners.add(fn);
  return () => downListeners.delete(fn);
}

/** `node` is gone: everything that depended on it hears 'noconnection', and nothing waits for it. */
export function nodeDown(name: string, _why: unknown): void {
  const peer = peers.get(name);
  if (peer === undefined) return;
  peers.delete(name);
  const gone = (node: string): boolean => node === name || node.startsWith(`${name}/`);
  for (const [id, call] of pending) {
    if (call.peer !== peer) continue;
    pending.delete(id);
    reject(call, new NodeDownError(name, `'${call.tag}' to ${String(describeTarget(call.target))}`));
  }
  const refs = forgetNode(name);
  for (const [id, entry] of monitors) {
    if (!gone(entry.node)) continue;
    monitors.delete(id);
    if (entry.watcher !== undefined && entry.monitor !== undefined) {
      (entry.watcher.remote as Attachments | undefined)?.watching.delete(id);
      monitorIds.delete(entry.monitor);
      entry.watcher.deliverControl(
        new Message(INFO, 'DOWN', { monitor: entry.monitor, ref: entry.ref, reason: 'noconnection' }, entry.watcher.ref),
      );
    }
  }
  for (const ref of refs) wake(ref, 'noconnection');
  for (const [key, proc] of watchedBy) {
    if (!gone(key.slice(0, key.lastIndexOf(':')))) continue;
    watchedBy.delete(key);
    (proc.remote as Attachments | undefined)?.watchers.delete(key);
  }
  for (const proc of [...attached]) {
    const a = proc.remote as Attachments;
    for (const ref of [...a.links]) {
      if (!gone(ref.node)) continue;
      a.links.delete(ref);
      linkedExit(proc, ref, 'noconnection');
    }
  }
  for (const proc of [...nodeWatchers]) {
    const nodes = (proc.remote as Attachments).nodes;
    if (nodes === undefined) continue;
    for (const [node, count] of nodes) {
      if (!gone(node)) continue;
      nodes.delete(node);
      for (let i = 0; i < count; i++) proc.deliverControl(new Message(INFO, 'nodedown', { node }, proc.ref));
    }
  }
  for (const fn of downListeners) fn(name);
}

/** A linked remote server exited (or its node went down): the signal a local link would give. */
export function linkedExit(proc: Process, from: RemoteRef, reason: unknown): void {
  const a = proc.remote as Attachments | undefined;
  if (a !== undefined && a.parent === from) {
    a.parent = undefined;
    // As locally: a trapping server whose parent exits terminates (running terminate).
    if (proc.trapping) return proc.deliverControl(new Message(STOP, 'EXIT', reason, proc.ref));
  }
  proc.exitSignal(undefined, reason, from);
}

/** Resolves the awaitExit waiters of a remote ref. */
export function wake(ref: RemoteRef, reason: unknown): void {
  const waiters = ref.waiters;
  ref.waiters = undefined;
  ref.waitMonitor = undefined;
  if (waiters !== undefined) for (const w of waiters) w(reason);
}

/** Closes every transport's peers (for `Node.stopThreads` and specs). */
export function connectedNodes(): string[] {
  return [...peers.keys()];
}

export { CAST, INFO, ClassNameError };
