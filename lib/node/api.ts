import { GenServer } from '../behaviours/gen_server';
import * as client from '../behaviours/client';
import * as sys from '../behaviours/sys';
import { ArgumentError, GenServerError } from '../errors';
import { currentProcess } from '../process/context';
import { PROC, ServerRef } from '../process/ref';
import { registerClass } from './classes';
import { connectedNodes, hooks, local, onNodeDown, self, setServerClassTest } from './node';
import { RemoteRef, internedCount } from './remote_ref';
import { infoOf } from './serve';
import { threadTransport, type ThreadOptions } from './threads';
import type { ConnectOptions } from './nats/options';
import { Supervisor } from '../behaviours/supervisor';
import { DynamicSupervisor } from '../behaviours/dynamic_supervisor';
import { Registry } from '../registry/registry';

// The NATS client is an optional peer dependency: its module loads on the first Node.connect.
let connectLoaded = false;
function natsModule(): typeof import('./nats/connect') {
  connectLoaded = true;
  return require('./nats/connect') as typeof import('./nats/connect');
}

// Wiring: the node layer reaches local servers through the client functions, and knows the
// library's own server classes under their names on every node.
setServerClassTest((value) => value === GenServer || value.prototype instanceof GenServer);
Object.assign(local, {
  call: (name: string, tag: string, payload: unknown, timeout: number) => client.call(name, tag, payload, timeout),
  cast: (name: string, tag: string, payload: unknown) => client.cast(name, tag, payload),
  send: (name: string, tag: string, payload: unknown) => client.send(name, tag, payload),
  stop: (name: string, reason: unknown, timeout: number) => client.stop(name, reason, timeout),
  getState: (name: string, timeout: number) => sys.getState(name, timeout),
  getStatus: (name: string, timeout: number) => sys.getStatus(name, timeout),
  replaceState: (name: string, fn: (s: unknown) => unknown, timeout: number) => sys.replaceState(name, fn, timeout),
  exit: (name: string, reason: unknown) => client.exit(name, reason),
  awaitExit: (name: string) => client.awaitExit(name),
  whereis: (name: string) => client.whereis(name),
  isAlive: (name: string) => client.isAlive(name),
  info: (name: string) => {
    try {
      return Promise.resolve(sys.info(name));
    } catch (error) {
      return Promise.reject(error);
    }
  },
});
for (const cls of [Supervisor, DynamicSupervisor, Registry] as Function[]) registerClass(cls, cls.name, 'genserver-ts');

/**
 * Nodes: this program is one (`Node.self()`), every worker thread it starts is another, and (with
 * `Node.connect`, issue 12) so is every program of a cluster. A server's ref works on any node;
 * `start(arg, { node })` runs a server on another node.
 *
 * ```ts
 * const [w1, w2] = await Node.startThreads(2, { modules: [require.resolve('./rooms')] });
 * const room = await Room.start('lobby', { node: w1 });
 * await GenServer.call(room, 'join', 'ann');
 * await Node.stopThreads();
 * ```
 */
export const Node = {
  /** This node's name: `'main'` for the main thread (or `$GENSERVER_NODE`), `'main/thread-1'` for a thread it started. */
  self(): string {
    return self.name;
  },

  /** The other nodes this one reaches now. */
  list(): string[] {
    return connectedNodes();
  },

  /**
   * Starts `n` worker threads (default options: `restart: 'permanent'`, 3 restarts in 5 s, boot
   * timeout 60 s), each a node that loads `options.modules` first; resolves to their names once
   * all are up. A thread that dies (exit, uncaught error, out of memory, terminate) is a node down
   * and is started again under its name unless `restart` is `'temporary'`; a start on it waits
   * until it is back. Only the main thread starts threads.
   */
  startThreads(n: number, options: ThreadOptions = {}): Promise<string[]> {
    if (!(Number.isInteger(n) && n >= 1)) return Promise.reject(new ArgumentError('n', n, 'a whole number >= 1'));
    if (self.name.includes('/'))
      return Promise.reject(new GenServerError(`Node ${self.name} is a worker thread: start threads from the main thread.`));
    return threadTransport().start(n, options);
  },

  /**
   * Joins a cluster over NATS as node `options.name` (see lib/node/nats/connect.ts for every option
   * and default; all NATS connection options pass through). Loads the NATS client, an optional
   * peer dependency, only now.
   *
   * ```ts
   * await Node.connect({ name: 'api-1', servers: 'nats://127.0.0.1:4222' });
   * ```
   */
  connect(options: ConnectOptions): Promise<void> {
    return natsModule().connect(options);
  },

  /**
   * Global names, one holder each across the cluster (after `Node.connect`; kept in JetStream KV,
   * see lib/node/nats/global.ts). `{ global: name }` then works as a start name and as a target
   * of call, cast, send, stop, exit, isAlive, awaitExit, whereis (at once), monitor and link.
   *
   * ```ts
   * await Room.start(arg, { name: { global: 'room:lobby' } }); // or register a running server:
   * await Node.global.register('room:lobby', lobby); // AlreadyStartedError with the holder's ref if taken
   * await GenServer.call({ global: 'room:lobby' }, 'join', 'cy');
   * ```
   */
  global: {
    /** Registers a server of this node under `name`; freed when it exits or its node dies. */
    register(name: string, ref: ServerRef): Promise<void> {
      return natsModule()
        .globalNames()
        .then((g) => g.register(name, ref));
    },
    /** The holder of `name`, read from the cluster's bucket (undefined when free). */
    whereis(name: string): Promise<ServerRef | undefined> {
      return natsModule()
        .globalNames()
        .then((g) => g.lookup(name));
    },
    /** Frees `name` if a server of this node holds it. */
    unregister(name: string): Promise<void> {
      return natsModule()
        .globalNames()
        .then((g) => g.release(name));
    },
    /** Every global name of the cluster. */
    names(): Promise<string[]> {
      return natsModule()
        .globalNames()
        .then((g) => g.names());
    },
  },

  /** Leaves the cluster joined with `Node.connect` (the others see this node down at once). */
  disconnect(): Promise<void> {
    return connectLoaded ? natsModule().disconnect() : Promise.resolve();
  },

  /** Terminates threads started by `startThreads` (default: all of them); resolves once they have exited. */
  stopThreads(nodes?: readonly string[]): Promise<void> {
    return threadTransport().stop(nodes);
  },

  /**
   * From a server: monitors `node`; `@handleInfo('nodedown')` gets `{ node }` when it goes down
   * (at once if it is not connected). Same as `this.monitorNode(node)`.
   */
  monitor(node: string): void {
    const proc = currentProcess();
    if (proc === undefined)
      throw new GenServerError(
        'Node.monitor(node) is called from a server (its handler or init): the nodedown message goes to that server. Outside servers use Node.onDown(fn).',
      );
    if (typeof node !== 'string' || node.length === 0) throw new ArgumentError('node', node, 'a node name');
    hooks.monitorNode(proc, node, true);
  },

  /** Calls `fn(node)` whenever a node goes down; returns a function that stops it. */
  onDown(fn: (node: string) => void): () => void {
    return onNodeDown(fn);
  },

  /** Registers a GenServer class under a stable name (default: its class name) for starts from other nodes. */
  register(cls: abstract new (...args: never[]) => GenServer, name?: string): void {
    if (typeof cls !== 'function' || !(cls.prototype instanceof GenServer)) throw new ArgumentError('cls', cls, 'a GenServer subclass');
    registerClass(cls, name ?? cls.name, 'Node.register()', self.name);
  },

  /** `GenServer.info` for a server on any node: asks its node (default timeout 5000 ms). */
  info(server: client.ServerTarget, timeout = 5000): Promise<sys.ServerInfo> {
    if (server instanceof ServerRef && !(server instanceof RemoteRef)) {
      try {
        return Promise.resolve(infoOf(server[PROC]));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (!client.isRemote(server)) {
      try {
        return Promise.resolve(sys.info(server));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return hooks.system(server, 'info', undefined, timeout) as Promise<sys.ServerInfo>;
  },

  /** @internal For specs: interned remote refs (of one node). */
  internedRefs(node?: string): number {
    return internedCount(node);
  },
};
