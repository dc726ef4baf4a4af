import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { track } from './children';

/**
 * Real nats-server processes for the cluster specs and benchmarks: started on free loopback ports
 * with JetStream on and a temporary store, awaited until they answer, stopped (and their store
 * removed) afterwards. Every server started here is also killed when this process ends, however it
 * ends (children.ts: exit, SIGINT/SIGTERM, even kill -9), so no nats-server is ever left behind.
 *
 * @example
 *   const server = await NatsServer.start();
 *   // ... connect to server.url ...
 *   await server.stop();
 */

/** Where the binary is: Debian's package puts it on PATH. NATS_SERVER overrides. */
export const NATS_SERVER_BIN = process.env.NATS_SERVER ?? 'nats-server';

let installed: boolean | undefined;

/** True when a nats-server binary runs here (`apt-get install -y nats-server`). */
export function natsServerInstalled(): boolean {
  installed ??= spawnSync(NATS_SERVER_BIN, ['--version'], { stdio: 'ignore' }).status === 0;
  return installed;
}

/** Credentials a server requires: user and password, or a token. */
export type NatsAuth = { readonly user: string; readonly password: string } | { readonly token: string };

export interface NatsServerOptions {
  /** JetStream on (default true). */
  readonly jetstream?: boolean;
  /** Require credentials from every client (default: none). */
  readonly auth?: NatsAuth;
  /** NATS max_payload in bytes (default: the server's 1 MiB). */
  readonly maxPayload?: number;
  /** A name for logs and the JetStream cluster (default: generated). */
  readonly serverName?: string;
}

interface ClusterPlacement {
  readonly clusterName: string;
  readonly clusterPort: number;
  readonly routePorts: readonly number[];
}

/** Ports this process has handed out: never handed out twice. */
const handedOut = new Set<number>();
/** Below Linux's range for the local ports of outgoing connections (32768–60999). */
const LOW = 20_000;
const HIGH = 32_768;

/**
 * A free TCP port on loopback, outside the range the OS takes outgoing connections' local ports
 * from. A port the OS picks from inside it (listen on 0) can be taken between this probe and the
 * server's own bind, or while a server restarts on its port, by a client's connection: even by a
 * client reconnecting to that very port, which then connects to itself. Both were seen (a route
 * port "already in use", a restarted server that never came back). Tried at random until one binds.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function quote(value: string): string {
  return JSON.stringify(value);
}

function healthz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', () => resolve(0));
    request.on('timeout', () => request.destroy());
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class NatsServer {
  /** The client port (fixed for this server's life, so a restart comes back on the same URL). */
  readonly port: number;
  readonly httpPort: number;
  readonly storeDir: string;
  readonly name: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log = '';

  private constructor(
    private readonly options: NatsServerOptions,
    ports: { port: number; httpPort: number },
    private readonly placement: ClusterPlacement | undefined,
  ) {
    this.port = ports.port;
    this.httpPort = ports.httpPort;
    this.storeDir = mkdtempSync(join(tmpdir(), 'genserver-nats-'));
    this.name = options.serverName ?? `s${this.port}`;
  }

  /** Starts one server and resolves once it accepts clients (and, with JetStream, reports healthy). */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const server = new NatsServer(options, { port: await freePort(), httpPort: await freePort() }, undefined);
    await server.boot();
    return server;
  }

  /** @internal used by NatsCluster */
  static async member(options: NatsServerOptions, port: number, httpPort: number, placement: ClusterPlacement): Promise<NatsServer> {
    return new NatsServer(options, { port, httpPort }, placement);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The OS process id while running. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** What the server printed (for failure messages). */
  get output(): string {
    return this.log;
  }

  private config(): string {
    const o = this.options;
    const lines = [`server_name: ${quote(this.name)}`, `listen: "127.0.0.1:${this.port}"`, `http: "127.0.0.1:${this.httpPort}"`];
    if (o.maxPayload !== undefined) lines.push(`max_payload: ${o.maxPayload}`);
    if (o.jetstream ?? true) {
      lines.push(`jetstream { store_dir: ${quote(this.storeDir)}, max_memory_store: 67108864, max_file_store: 268435456 }`);
    }
    if (this.placement !== undefined) {
      const routes = this.placement.routePorts.map((p) => quote(`nats-route://127.0.0.1:${p}`)).join(', ');
      lines.push(
        `cluster { name: ${quote(this.placement.clusterName)}, listen: "127.0.0.1:${this.placement.clusterPort}", routes: [${routes}] }`,
      );
    }
    const auth = o.auth;
    if (auth !== undefined) {
      lines.push(
        'token' in auth
          ? `authorization { token: ${quote(auth.token)} }`
          : `authorization { user: ${quote(auth.user)}, password: ${quote(auth.password)} }`,
      );
    }
    return `${lines.join('\n')}\n`;
  }

  /** Spawns the process and waits until it listens (and, with JetStream, /healthz says ok). */
  async boot(readyTimeoutMs = 20_000): Promise<void> {
    if (this.child !== undefined) throw new Error(`nats-server ${this.name} is already running`);
    const configFile = join(this.storeDir, 'server.conf');
    writeFileSync(configFile, this.config());
    const child = spawn(NATS_SERVER_BIN, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    track(child);
    const onData = (chunk: Buffer) => {
      this.log += chunk.toString();
      if (this.log.length > 64_000) this.log = this.log.slice(-32_000);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    child.once('error', (error) => {
      this.log += `\nspawn error: ${error.message}`;
    });
    const deadline = Date.now() + readyTimeoutMs;
    const jetstream = this.options.jetstream ?? true;
    while (Date.now() < deadline) {
      if (this.child !== child) throw new Error(`nats-server ${this.name} exited while starting:\n${this.log}`);
      if (this.log.includes('Server is ready')) {
        // With JetStream in a cluster, ready also means a meta leader is known (healthz 200).
        if (!jetstream || (await healthz(this.httpPort)) === 200) return;
      }
      await sleep(25);
    }
    await this.kill();
    throw new Error(`nats-server ${this.name} did not become ready within ${readyTimeoutMs} ms:\n${this.log}`);
  }

  /** Graceful stop (SIGTERM; SIGKILL after `graceMs`), keeping the store for a restart. */
  async halt(graceMs = 5000): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** kill -9: the server vanishes without a goodbye to its clients or routes. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Stops and starts again on the same ports with the same store (clients reconnect). */
  async restart(downMs = 0): Promise<void> {
    await this.halt();
    if (downMs > 0) await sleep(downMs);
    await this.boot();
  }

  /** Stops for good and removes the store. */
  async stop(): Promise<void> {
    await this.halt();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

/** Three (or n) nats-servers routed to each other on loopback, one JetStream cluster. */
export class NatsCluster {
  private constructor(readonly servers: readonly NatsServer[]) {}

  static async start(size = 3, options: Omit<NatsServerOptions, 'serverName'> = {}): Promise<NatsCluster> {
    const ports: { port: number; httpPort: number; clusterPort: number }[] = [];
    for (let i = 0; i < size; i++) ports.push({ port: await freePort(), httpPort: await freePort(), clusterPort: await freePort() });
    const clusterName = `c${ports[0].port}`;
    const servers: NatsServer[] = [];
    for (let i = 0; i < size; i++) {
      const placement = {
        clusterName,
        clusterPort: ports[i].clusterPort,
        routePorts: ports.filter((_, j) => j !== i).map((p) => p.clusterPort),
      };
      servers.push(
        await NatsServer.member({ ...options, serverName: `${clusterName}-${i + 1}` }, ports[i].port, ports[i].httpPort, placement),
      );
    }
    const cluster = new NatsCluster(servers);
    try {
      // All at once: a JetStream cluster elects its meta leader only when a quorum is up.
      await Promise.all(servers.map((s) => s.boot(30_000)));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

/** True while a process with this id exists (signal 0 probes without touching it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
