import { checkOptionKeys, type ChildSpec, type Restart, type Shutdown } from '../behaviours/child_spec';
import * as client from '../behaviours/client';
import { GenServer } from '../behaviours/gen_server';
import type { StartOptions } from '../behaviours/start';
import { handleInfo, init, terminate } from '../decorators';
import { AlreadyStartedError, ArgumentError } from '../errors';
import { logger } from '../logger';
import type { DownMessage, ExitMessage, MonitorRef } from '../process/links';
import { ServerRef } from '../process/ref';
import { noreply, stop } from '../returns';
import { self } from './node';

// A cluster singleton (Horde's and Swarm's job for Elixir; OTP needs distributed applications):
// one server of a class for the whole cluster, kept alive on some node. Every node puts the same
// child spec in its supervision tree; each copy is a small manager server that races for the global
// name by starting the server under it. The global name is the lock: one copy wins and runs the
// server (linked to it), the others monitor the holder and race again when it goes — its exit, or
// its node seen down ('noconnection') after a kill -9.

/** A class that can be started as a cluster singleton: any GenServer subclass. */
export interface SingletonClass<A> {
  readonly name: string;
  startLink(arg: A, options?: StartOptions): Promise<ServerRef | undefined>;
}

/** Options of `ClusterSingleton.childSpec`. */
export interface ClusterSingletonOptions {
  /** The global name the one server runs under (and the lock the copies race for). Required. */
  readonly name: client.GlobalName;
  /** The child id in each node's supervisor. Default `ClusterSingleton(<global name>)`. */
  readonly id?: string;
  /** The manager's restart value in each node's supervisor. Default 'permanent'. */
  readonly restart?: Restart;
  /** How long the server gets to terminate when its node's supervisor shuts this child down. Default 5000 ms. */
  readonly shutdown?: Shutdown;
  /**
   * Whether the server may run on `node` (this node), given the nodes of the cluster: a copy on a
   * node where it returns false only watches. Default: every node may. Asked before each race.
   */
  readonly placement?: (node: string, members: readonly string[]) => boolean;
  /** How long a copy waits before racing again after a failed try (no NATS, placement false...). Default 250 ms. */
  readonly retryMs?: number;
  /** Start options passed on to the server: `timeout`, `maxMailbox`, `trace`. */
  readonly timeout?: number;
  readonly maxMailbox?: number;
  readonly trace?: boolean;
}

interface Config {
  readonly cls: SingletonClass<unknown>;
  readonly arg: unknown;
  readonly name: string;
  readonly startOptions: StartOptions;
  readonly placement: ((node: string, members: readonly string[]) => boolean) | undefined;
  readonly retryMs: number;
}

interface ManagerState {
  readonly config: Config;
  /** The server, while it runs here. */
  child: ServerRef | undefined;
  /** The monitor on the holder elsewhere, while this copy watches. */
  watching: MonitorRef | undefined;
  /** The server here lost its name (a stale holder) and was killed: race again, do not stop. */
  lost: boolean;
}

const KEYS = ['name', 'id', 'restart', 'shutdown', 'placement', 'retryMs', 'timeout', 'maxMailbox', 'trace'];

/** The manager each node runs for one cluster singleton (internal: use `ClusterSingleton.childSpec`). */
export class ClusterSingletonServer extends GenServer<ManagerState> {
  private offLost: (() => void) | undefined;

  @init
  setup(config: Config): ManagerState {
    // The server is linked to this manager: its exit is an EXIT message here, not this copy's death.
    this.trapExits(true);
    client.send(this.self, 'race');
    return { config, child: undefined, watching: undefined, lost: false };
  }

  @handleInfo('race')
  async race(_: unknown, state: ManagerState) {
    if (state.child !== undefined || state.watching !== undefined) return noreply(state);
    const { config } = state;
    // Not in a cluster (yet, or any more: the node is leaving): nothing to race for until it is.
    const connect = require('./nats/connect') as typeof import('./nats/connect');
    if (connect.natsTransport() === undefined || (config.placement !== undefined && !safePlacement(config))) {
      this.sendAfter('race', undefined, config.retryMs);
      return noreply(state);
    }
    try {
      const ref = await config.cls.startLink(config.arg, { ...config.startOptions, name: { global: config.name } });
      // ignore() from the server's init: nothing runs here; the next race is after a retry.
      if (ref === undefined) this.sendAfter('race', undefined, config.retryMs);
      else this.watchLoss(ref);
      return noreply({ ...state, child: ref, lost: false });
    } catch (error) {
      if (error instanceof AlreadyStartedError && error.ref instanceof ServerRef) {
        // Held elsewhere: watch the holder, and race again when it goes. A holder already known
        // dead (its node down, its entry not deleted yet) is waited out, not watched: its monitor
        // would fire at once, again and again, until the entry goes.
        if (client.isAlive(error.ref)) return noreply({ ...state, watching: this.monitor(error.ref) });
        this.sendAfter('race', undefined, config.retryMs);
        return noreply(state);
      }
      logger().warn(`genserver-ts: the cluster singleton '${config.name}' did not start on ${self.name}: ${(error as Error).message}`, {
        name: config.name,
        error,
      });
      this.sendAfter('race', undefined, config.retryMs);
      return noreply(state);
    }
  }

  @handleInfo('DOWN')
  holderDown({ monitor, reason }: DownMessage, state: ManagerState) {
    if (monitor !== state.watching) return noreply(state);
    // 'noproc': an entry whose holder is already gone (its delete still on the way): wait a little.
    if (reason === 'noproc') this.sendAfter('race', undefined, state.config.retryMs);
    else client.send(this.self, 'race');
    return noreply({ ...state, watching: undefined });
  }

  @handleInfo('EXIT')
  childExit({ from, reason }: ExitMessage, state: ManagerState) {
    if (from === undefined || from !== state.child) return noreply(state);
    this.offLost?.();
    if (state.lost) {
      client.send(this.self, 'race');
      return noreply({ ...state, child: undefined, lost: false });
    }
    // The server exited: this copy exits with its reason, and its supervisor's restart rules decide.
    return stop(reason, { ...state, child: undefined });
  }

  @handleInfo('lost')
  lostName(ref: ServerRef, state: ManagerState) {
    if (ref !== state.child) return noreply(state);
    logger().warn(
      `genserver-ts: the cluster singleton '${state.config.name}' on ${self.name} lost its global name (its node was seen down); ` +
        'it is killed here, the holder elsewhere is the one.',
      { name: state.config.name },
    );
    client.exit(ref, 'kill');
    return noreply({ ...state, lost: true });
  }

  @terminate
  async shutdown(reason: unknown, state: ManagerState) {
    this.offLost?.();
    const child = state.child;
    if (child !== undefined && client.isAlive(child)) await client.stop(child, reason).catch(() => undefined);
  }

  /** Loss of the name (a stale holder) arrives as a 'lost' message. */
  private watchLoss(ref: ServerRef): void {
    const me = this.self;
    const connect = require('./nats/connect') as typeof import('./nats/connect');
    void connect.globalNames().then(
      (names) => {
        this.offLost?.();
        this.offLost = names.onLost((_name, lost) => {
          if (lost === ref) client.send(me, 'lost', ref);
        });
      },
      () => undefined,
    );
  }
}

Object.defineProperty(ClusterSingletonServer, 'name', { value: 'ClusterSingleton' });

function safePlacement(config: Config): boolean {
  try {
    return config.placement!(self.name, [self.name, ...(require('./api') as typeof import('./api')).Node.list()]) === true;
  } catch (error) {
    logger().warn(`genserver-ts: the placement of the cluster singleton '${config.name}' threw: ${(error as Error).message}`, { error });
    return false;
  }
}

/**
 * A server that runs on exactly one node of the cluster and moves to a surviving node when its
 * node dies (Horde's and Swarm's job for Elixir). Put the same child spec in every node's
 * supervision tree; the copies race for the global name, one runs the server, the others watch it
 * and take over when it goes. Callers reach it as `{ global: name }` wherever it runs.
 */
export const ClusterSingleton = {
  /**
   * The child spec of a cluster singleton of `cls` started with `arg` under the global name
   * `options.name`. Defaults: id `ClusterSingleton(<name>)`, restart 'permanent', shutdown 5000
   * ms, every node eligible, retryMs 250.
   *
   * ```ts
   * await Node.connect({ name: 'api-1', servers: 'nats://127.0.0.1:4222' });
   * await Supervisor.start([ClusterSingleton.childSpec(RoomDirectory, [], { name: { global: 'directory' } })]);
   * await GenServer.call({ global: 'directory' }, 'rooms'); // wherever it runs
   * ```
   *
   * After the node running it is killed, a survivor runs it within `downAfterMs` + `heartbeatMs / 2`
   * (the time to see the node down) plus a KV round trip and the server's init.
   */
  childSpec<A>(cls: SingletonClass<A>, arg: A, options: ClusterSingletonOptions): ChildSpec {
    const o = checkOptionKeys(options, KEYS, "{ name: { global: 'directory' } }");
    if (typeof cls !== 'function' || typeof (cls as { startLink?: unknown }).startLink !== 'function') {
      throw new ArgumentError('cls', cls, 'a GenServer class');
    }
    if (!client.isGlobalName(o.name)) throw new ArgumentError('options.name', o.name, "a global name such as { global: 'directory' }");
    if (o.placement !== undefined && typeof o.placement !== 'function') {
      throw new ArgumentError('options.placement', o.placement, 'a function (node, members) => boolean');
    }
    const retryMs = (o.retryMs as number | undefined) ?? 250;
    if (typeof retryMs !== 'number' || !Number.isFinite(retryMs) || retryMs < 0) {
      throw new ArgumentError('options.retryMs', retryMs, 'a finite number of ms >= 0');
    }
    const startOptions: StartOptions = {};
    for (const key of ['timeout', 'maxMailbox', 'trace'] as const) {
      if (o[key] !== undefined) (startOptions as Record<string, unknown>)[key] = o[key];
    }
    const config: Config = {
      cls: cls as SingletonClass<unknown>,
      arg,
      name: o.name.global,
      startOptions,
      placement: o.placement as Config['placement'],
      retryMs,
    };
    const shutdown = (o.shutdown as Shutdown | undefined) ?? 5000;
    return {
      id: (o.id as string | undefined) ?? `ClusterSingleton(${config.name})`,
      start: () => ClusterSingletonServer.startLink(config),
      restart: (o.restart as Restart | undefined) ?? 'permanent',
      // The manager stops its server in its terminate: it gets the server's shutdown and a margin.
      shutdown: typeof shutdown === 'number' ? shutdown + 1000 : shutdown,
      type: 'worker',
    };
  },
};
