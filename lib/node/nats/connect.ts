import * as client from '../../behaviours/client';
import type { GlobalName } from '../../behaviours/client';
import { GenServerError, NoProcError } from '../../errors';
import { link, monitor } from '../../process/links';
import { remote, type RemoteHooks } from '../../process/remote';
import { PROC, type ServerRef } from '../../process/ref';
import { self, setSelfName } from '../node';
import { addTransport } from '../serve';
import { GlobalNames } from './global';
import type { ConnectOptions, GlobalOptions } from './options';
import { NatsTransport, type NatsTransportOptions } from './transport';

// `Node.connect` and `Node.disconnect`: this process as a node of a cluster over NATS. Loaded only
// when a program calls them, so programs that never do need no NATS client installed.

export type { ConnectOptions } from './options';

export function isGlobalName(target: unknown): target is GlobalName {
  return (
    typeof target === 'object' &&
    target !== null &&
    typeof (target as GlobalName).global === 'string' &&
    (target as GlobalName).global.length > 0
  );
}

let current: NatsTransport | undefined;
let connecting: Promise<void> | undefined;
let globalOptions: GlobalOptions | undefined;
let globals: Promise<GlobalNames> | undefined;
/** The names once open: what answers `GenServer.whereis({ global })` at once. */
let opened: GlobalNames | undefined;

/**
 * Joins the cluster: names this node `options.name`, connects to NATS, and makes every node of
 * the cluster reachable (`Node.list()`). Resolves once the nodes already there are known.
 *
 * ```ts
 * await Node.connect({ name: 'api-1', servers: 'nats://127.0.0.1:4222' });
 * ```
 *
 * Defaults: cluster `'genserver'`, heartbeatMs 1000, downAfterMs 4000, codec v8Codec, reconnect
 * forever (`maxReconnectAttempts: -1`, every 250 ms). Rejects with `ArgumentError` for a bad
 * option (before any connection exists), with the NATS client's error when NATS refuses it (no
 * server, bad credentials), and with `GenServerError` when this node is connected already.
 */
export function connect(options: ConnectOptions): Promise<void> {
  if (current !== undefined || connecting !== undefined) {
    return Promise.reject(new GenServerError(`Node ${self.name} is connected to a cluster already: call Node.disconnect() first.`));
  }
  connecting = (async () => {
    const previous = self.name;
    const name = (options as { name?: unknown } | undefined)?.name;
    // Named first, so nothing goes out under the old name; a bad name is the transport's ArgumentError.
    if (typeof name === 'string' && name !== previous) setSelfName(name);
    let transport: NatsTransport;
    try {
      transport = await NatsTransport.connect(options as NatsTransportOptions);
    } catch (error) {
      if (self.name !== previous) setSelfName(previous);
      throw error;
    }
    current = transport;
    globalOptions = options.global;
    addTransport(transport);
    installGlobalTargets();
    // Global names open with the connection when NATS runs JetStream, so that whereis({ global })
    // answers at once from this node's copy; without JetStream the rest of the cluster works and
    // the names are tried again on first use.
    await globalNames().catch(() => undefined);
  })().finally(() => {
    connecting = undefined;
  });
  return connecting;
}

/**
 * Leaves the cluster: says goodbye (the other nodes see this one down at once), reports every
 * node of the cluster down here ('noconnection' for links and monitors, NodeDownError for pending
 * calls), and closes the NATS connection. Resolves at once when not connected.
 */
export async function disconnect(): Promise<void> {
  const transport = current;
  const names = globals;
  current = undefined;
  globals = undefined;
  opened = undefined;
  if (names !== undefined)
    await names.then(
      (g) => g.close(),
      () => undefined,
    );
  if (transport !== undefined) await transport.close();
}

/**
 * The cluster's global names, opened on first use (they need JetStream on the NATS servers; the
 * rest of a cluster does not). Rejects when this node is not connected.
 */
export function globalNames(): Promise<GlobalNames> {
  if (current === undefined)
    return Promise.reject(new GenServerError(`Node ${self.name} is not in a cluster: global names need Node.connect() first.`));
  if (globals === undefined) {
    const opening = GlobalNames.open(current, globalOptions);
    globals = opening;
    opening.then(
      (names) => {
        if (globals === opening) opened = names;
      },
      () => undefined,
    );
    // A failed open (no JetStream, say) is not kept: the next use tries again.
    opening.catch(() => {
      if (globals === opening) globals = undefined;
    });
  }
  return globals;
}

/** The holder of a global name, or NoProcError naming it. */
async function holderOf(target: GlobalName): Promise<ServerRef> {
  const names = await globalNames();
  const ref = names.whereis(target.global) ?? (await names.lookup(target.global));
  if (ref === undefined) throw new NoProcError(target);
  return ref;
}

/** The holder of a global name in this node's copy, at once (undefined if none is known). */
function cachedHolder(target: GlobalName): ServerRef | undefined {
  return opened?.whereis(target.global);
}

// `{ global: name }` targets: the runtime hands targets it cannot find here to the node layer's
// hooks; this wraps them once, resolving a global name to its holder's ref and going on with the
// ref through the public client functions (local holder or remote alike). What must answer at once
// (exit, link, monitor, isAlive) uses this node's copy of the names; what returns a promise asks
// the bucket when the copy knows no holder.
let installed = false;
function installGlobalTargets(): void {
  const inner = remote.hooks;
  if (installed || inner === undefined) return;
  installed = true;
  const sendLater = (target: GlobalName, info: boolean, tag: string, payload: unknown) =>
    void holderOf(target).then(
      (ref) => (info ? client.send(ref, tag, payload) : client.cast(ref, tag, payload)),
      () => undefined,
    );
  const hooks: RemoteHooks = {
    ...inner,
    isRemote: (target) => isGlobalName(target) || inner.isRemote(target),
    call: (target, tag, payload, timeout) =>
      isGlobalName(target)
        ? holderOf(target).then((ref) => client.call(ref, tag, payload, timeout))
        : inner.call(target, tag, payload, timeout),
    cast: (target, info, tag, payload) =>
      isGlobalName(target) ? sendLater(target, info, tag, payload) : inner.cast(target, info, tag, payload),
    system: (target, request, arg, timeout) =>
      isGlobalName(target)
        ? holderOf(target).then((ref) => (request === 'stop' ? client.stop(ref, arg, timeout) : inner.system(ref, request, arg, timeout)))
        : inner.system(target, request, arg, timeout),
    whereis: (target) => (isGlobalName(target) ? holderOf(target).catch(() => undefined) : inner.whereis(target)),
    exit: (target, reason, from) => {
      if (!isGlobalName(target)) return inner.exit(target, reason, from);
      const ref = cachedHolder(target);
      if (ref !== undefined) client.exit(ref, reason);
    },
    link: (proc, target) => {
      if (!isGlobalName(target)) return inner.link(proc, target);
      const ref = cachedHolder(target);
      const other = ref?.[PROC];
      if (other !== undefined) return link(proc, other);
      // No holder known: as for any dead target, an exit signal 'noproc' at once.
      if (ref === undefined) return proc.exitSignal(undefined, 'noproc', undefined);
      return inner.link(proc, ref);
    },
    monitor: (proc, target) => {
      if (!isGlobalName(target)) return inner.monitor(proc, target);
      const ref = cachedHolder(target);
      const other = ref?.[PROC];
      if (other !== undefined) return monitor(proc, other);
      // No holder known: the node layer answers a DOWN 'noproc' at once.
      return inner.monitor(proc, ref ?? target);
    },
    isAlive: (target) => (isGlobalName(target) ? cachedHolder(target) !== undefined : inner.isAlive(target)),
    awaitExit: (target) => (isGlobalName(target) ? holderOf(target).then((ref) => client.awaitExit(ref)) : inner.awaitExit(target)),
    registerGlobal: (name, ref) => globalNames().then((names) => names.register(name, ref)),
    resolveGlobal: (name) => opened?.whereis(name),
  };
  remote.hooks = hooks;
}

/** The transport of `Node.connect`, for global names and specs. */
export function natsTransport(): NatsTransport | undefined {
  return current;
}
