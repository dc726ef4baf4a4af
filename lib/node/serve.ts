import { ClassNameError, MailboxFullError, NoProcError, describeReason } from '../errors';
import { logger } from '../logger';
import * as client from '../behaviours/client';
import { GenServer } from '../behaviours/gen_server';
import { startServer } from '../behaviours/start';
import * as sys from '../behaviours/sys';
import { CAST, INFO, Message } from '../process/message';
import { whereisProcess } from '../process/names';
import type { Process } from '../process/process';
import { PROC, type ServerRef } from '../process/ref';
import { DEAD } from '../process/status';
import { classByName } from './classes';
import {
  answer,
  attach,
  exported,
  IncomingCall,
  linkedExit,
  monitors,
  nodeDown,
  peerFor,
  peers,
  replied,
  self,
  sendFrame,
  wake,
  watchedBy,
  wire,
  type Attachments,
} from './node';
import { forgetRef, RemoteRef } from './remote_ref';
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
import { decode, encodeLenient, type RefMarker } from './wire';

// What this node does with the frames other nodes send it: the server side of every remote
// operation. Each handler answers what it can and never throws at the transport.

/** The live local process a frame addresses: a pid of this incarnation, or a registered name. */
function target(to: unknown, inc: unknown): Process | undefined {
  let proc: Process | undefined;
  if (typeof to === 'number') proc = inc === self.inc ? exported.get(to) : undefined;
  else if (typeof to === 'string') proc = whereisProcess(to);
  return proc !== undefined && proc.status !== DEAD ? proc : undefined;
}

function value(wireValue: unknown, enc: unknown): unknown {
  return enc ? decode(wireValue, wire) : wireValue;
}

function remoteRef(marker: unknown): RemoteRef | undefined {
  if (marker === undefined) return undefined;
  const ref = wire.refOf(marker as RefMarker);
  return ref instanceof RemoteRef ? ref : undefined;
}

function fail(from: string, callId: number, error: unknown): void {
  answer(from, callId, R_ERROR, error);
}

export function serve(from: string, f: Frame): void {
  switch (f[0]) {
    case F_CALL: {
      const [, callId, to, tag, payload, enc, inc] = f as unknown as [number, number, unknown, string, unknown, number, number];
      const proc = target(to, inc);
      if (proc === undefined) return fail(from, callId, new NoProcError(to));
      if (proc.full) return fail(from, callId, new MailboxFullError(proc.ref, tag, proc.maxMailbox));
      let decoded: unknown;
      try {
        decoded = value(payload, enc);
      } catch (error) {
        return fail(from, callId, error);
      }
      return proc.deliver(new IncomingCall(from, callId, tag, decoded, proc.ref));
    }
    case F_REPLY:
      return replied(from, f[1] as number, f[2] as number, f[3], f[4] as number);
    case F_CAST:
    case F_INFO: {
      const [kind, to, tag, payload, enc, inc] = f as unknown as [number, unknown, string, unknown, number, number];
      const proc = target(to, inc);
      if (proc === undefined) return;
      const info = kind === F_INFO;
      if (proc.full) return proc.drop(info ? 'info' : 'cast', tag);
      return proc.deliverEntry(info ? INFO : CAST, tag, value(payload, enc), proc.ref);
    }
    case F_EXIT: {
      const [, to, inc, fromMarker, reason, enc, isLink] = f as unknown as [number, number, number, unknown, unknown, number, number];
      const sender = remoteRef(fromMarker);
      const decoded = value(reason, enc);
      if (isLink && sender !== undefined) {
        forgetRef(sender);
        wake(sender, decoded);
      }
      const proc = target(to, inc);
      if (proc === undefined) return;
      if (isLink) {
        const a = proc.remote as Attachments | undefined;
        if (sender === undefined || a === undefined || !a.links.delete(sender)) return;
        return linkedExit(proc, sender, decoded);
      }
      if (decoded === 'kill') return proc.kill();
      return proc.exitSignal(undefined, decoded, sender);
    }
    case F_LINK: {
      const [, to, inc, fromMarker] = f as unknown as [number, number, number, unknown];
      const sender = remoteRef(fromMarker);
      if (sender === undefined) return;
      const proc = target(to, inc);
      if (proc === undefined) {
        // As in OTP: linking to a server that is gone is an exit signal 'noproc' at once.
        return void sendFrame(from, [F_EXIT, sender.id, sender.inc, { $: 'ref', node: self.name, inc, id: to, cls: '?' }, 'noproc', 0, 1]);
      }
      attach(proc).links.add(sender);
      return;
    }
    case F_UNLINK: {
      const [, to, inc, fromMarker] = f as unknown as [number, number, number, unknown];
      const sender = remoteRef(fromMarker);
      const proc = target(to, inc);
      if (proc !== undefined && sender !== undefined) (proc.remote as Attachments | undefined)?.links.delete(sender);
      return;
    }
    case F_MONITOR: {
      const [, to, inc, , monitorId] = f as unknown as [number, unknown, number, unknown, number];
      const proc = target(to, inc);
      if (proc === undefined) {
        const ref = typeof to === 'number' ? { $: 'ref', node: self.name, inc, id: to, cls: '?' } : undefined;
        return void sendFrame(from, [F_DOWN, monitorId, ref, 'noproc', ref === undefined ? 0 : 1]);
      }
      const key = `${from}:${monitorId}`;
      attach(proc).watchers.add(key);
      watchedBy.set(key, proc);
      // The watcher learns which server a name resolved to from the DOWN it gets later.
      wire.describeRef(proc.ref);
      return;
    }
    case F_DEMONITOR: {
      const key = `${from}:${f[1] as number}`;
      const proc = watchedBy.get(key);
      if (proc === undefined) return;
      watchedBy.delete(key);
      (proc.remote as Attachments | undefined)?.watchers.delete(key);
      return;
    }
    case F_DOWN: {
      const [, monitorId, refMarker, reason, enc] = f as unknown as [number, number, unknown, unknown, number];
      const entry = monitors.get(monitorId);
      if (entry === undefined) return;
      monitors.delete(monitorId);
      const decodedRef = enc ? (decode(refMarker, wire) as ServerRef | undefined) : undefined;
      const decodedReason = value(reason, enc);
      const ref = entry.ref ?? decodedRef;
      if (ref instanceof RemoteRef) {
        forgetRef(ref);
        wake(ref, decodedReason);
      }
      if (entry.watcher !== undefined && entry.monitor !== undefined) {
        (entry.watcher.remote as Attachments | undefined)?.watching.delete(monitorId);
        entry.watcher.deliverControl(new Message(INFO, 'DOWN', { monitor: entry.monitor, ref, reason: decodedReason }, entry.watcher.ref));
      }
      return;
    }
    case F_SPAWN:
      return spawn(from, f);
    case F_WHEREIS: {
      const [, callId, name] = f as unknown as [number, number, string];
      const proc = whereisProcess(name);
      return answer(from, callId, R_OK, proc !== undefined && proc.status !== DEAD ? proc.ref : undefined);
    }
    case F_SYS: {
      const [, callId, to, inc, request, arg, enc] = f as unknown as [number, number, unknown, number, string, unknown, number];
      const proc = target(to, inc);
      if (proc === undefined) return fail(from, callId, new NoProcError(to));
      let work: Promise<unknown>;
      if (request === 'getState') work = sys.getState(proc.ref, Infinity);
      else if (request === 'stop') work = client.stop(proc.ref, value(arg, enc));
      else if (request === 'info') work = Promise.resolve(infoOf(proc));
      else if (request === 'getStatus')
        work = sys.getStatus(proc.ref, Infinity).then((status) => ({ ...status, name: crossing(status.name) }));
      else return fail(from, callId, new NoProcError(to));
      work.then(
        (v) => answer(from, callId, R_OK, v),
        (e: unknown) => fail(from, callId, e),
      );
      return;
    }
    default:
      logger().warn(`Node ${self.name}: dropped a frame of unknown kind ${String(f[0])} from node '${from}'.`, { frame: f });
  }
}

/** `Node.info(ref)` of a server here: `GenServer.info`, with what cannot cross (a via name) described. */
export function infoOf(proc: Process): sys.ServerInfo {
  const info = sys.info(proc.ref);
  return { ...info, name: crossing(info.name) };
}

/** A name as it crosses to another node: a via name is described (its registry is here). */
function crossing<N>(name: N): N {
  return typeof name === 'string' || typeof name === 'function' || name === undefined ? name : (String(name) as never);
}

function spawn(from: string, f: Frame): void {
  const [, callId, className, arg, enc, options, linkTo] = f as unknown as [
    number,
    number,
    string,
    unknown,
    number,
    Record<string, unknown>,
    unknown,
  ];
  const cls = classByName(className);
  if (cls === undefined) {
    return fail(
      from,
      callId,
      new ClassNameError(
        className,
        self.name,
        `no class is registered under this name here. Add the module that exports it to Node.startThreads(n, { modules }), or call Node.register(${className}) in a module the node loads.`,
      ),
    );
  }
  let startArg: unknown, opts: Record<string, unknown>;
  let parent: RemoteRef | undefined;
  try {
    startArg = value(arg, enc);
    opts = decode(options, wire) as Record<string, unknown>;
    parent = remoteRef(linkTo);
  } catch (error) {
    return fail(from, callId, error);
  }
  startServer(cls as new () => object, GenServer, startArg, opts, false).then(
    (ref) => {
      if (ref === undefined) return answer(from, callId, R_OK, undefined);
      const proc = ref[PROC];
      answer(from, callId, R_OK, ref);
      if (parent === undefined) return;
      if (proc.status === DEAD) {
        // It exited before its parent heard of it: the link's exit signal still reaches the parent.
        const [wireReason, renc] = encodeLenient(proc.exitReason, wire);
        sendFrame(parent.node, [F_EXIT, parent.id, parent.inc, wire.describeRef(ref), wireReason, renc, 1]);
        return;
      }
      const a = attach(proc);
      a.links.add(parent);
      a.parent = parent;
    },
    (error: unknown) => fail(from, callId, error),
  );
}

/** Attaches a transport: the nodes it reports up become reachable through it. */
export function addTransport(transport: Transport): void {
  transport.attach({
    frame: (from, frame, to) => {
      if (to !== self.name) {
        // Routing for another node (a thread of ours talking to a node of another transport).
        const peer = peerFor(to);
        if (peer !== undefined && peer.transport !== transport) peer.transport.send(to, frame, from);
        return;
      }
      try {
        serve(from, frame);
      } catch (error) {
        logger().error(`Node ${self.name}: a frame from node '${from}' could not be handled: ${describeReason(error)}`, { error, frame });
      }
    },
    nodeUp: (node) => {
      if (node === self.name) return;
      const previous = peers.get(node);
      if (previous !== undefined && previous.transport === transport) return;
      if (previous !== undefined) nodeDown(node, 'replaced');
      peers.set(node, { name: node, transport });
    },
    nodeDown: (node) => {
      if (peers.get(node)?.transport === transport) nodeDown(node, 'noconnection');
    },
  });
}
