import { join } from 'node:path';
import { Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import { GenServerError, NodeDownError, describeReason } from '../errors';
import { logger } from '../logger';
import { RestartIntensity } from '../behaviours/child_spec';
import { peerFor, self, setNodeWaiter, wire } from './node';
import { addTransport } from './serve';
import type { Frame, Transport, TransportEvents } from './transport';
import { decode, encodeLenient } from './wire';

// Worker threads as nodes. The main thread is the hub: each worker has one port (its Worker
// object), and a frame from one worker to another goes through the main thread, which forwards it
// without looking inside. A mesh of MessageChannels would save that hop, but routing through main
// keeps membership in one place (a thread that dies or restarts is known at once by everyone) and
// needs no channel set-up per pair; calls from main to its threads, the common case, take one hop.
//
// On a port, a message is either a batch — `[node, frame, frame, …]`, where `node` is the
// destination when a worker posts and the origin when main posts — or a control object
// (`{ up }`, `{ down }`, `{ ready }`, `{ failed }`). Frames queued in one turn leave as one batch
// (posted in a microtask), so 64 calls in flight cost one postMessage, not 64.

/** Batches frames per destination and posts them once per turn. */
class Outbox {
  private batches = new Map<string, unknown[]>();
  private queued = false;

  constructor(private readonly post: (node: string, batch: unknown[]) => void) {}

  push(node: string, head: string, frame: Frame): void {
    let batch = this.batches.get(node);
    if (batch === undefined) this.batches.set(node, (batch = [head]));
    else if (batch[0] !== head) {
      // Another origin for the same port: flush what is queued first, to keep the order.
      this.flush();
      this.batches.set(node, (batch = [head]));
    }
    batch.push(frame);
    if (!this.queued) {
      this.queued = true;
      queueMicrotask(this.flush);
    }
  }

  flush = (): void => {
    this.queued = false;
    if (this.batches.size === 0) return;
    const batches = this.batches;
    this.batches = new Map();
    for (const [node, batch] of batches) this.post(node, batch);
  };
}

/** Options of `Node.startThreads`. */
export interface ThreadOptions {
  /**
   * Modules every thread loads before it counts as up (absolute paths, `require.resolve('./rooms')`):
   * the GenServer classes they export can then be started there. TypeScript works when this
   * program runs under ts-node (the thread registers it, transpile-only, honouring
   * TS_NODE_PROJECT) or tsx (its loader is inherited through execArgv); compiled JS always works.
   */
  modules?: readonly string[];
  /** 'permanent' (default): a thread that dies is started again under its name; 'temporary': it stays down. */
  restart?: 'permanent' | 'temporary';
  /** More than this many restarts of one thread within `maxSeconds` leave it down. Default 3 in 5 s. */
  maxRestarts?: number;
  maxSeconds?: number;
  /** How long a thread may take to load its modules. Default 60000 ms. */
  bootTimeout?: number;
  /** Passed to each Worker (memory limits: a thread past them is a node down). */
  resourceLimits?: ResourceLimits;
  /** Extra arguments for the threads' Node (default: this process's execArgv). */
  execArgv?: string[];
}

interface Thread {
  readonly name: string;
  readonly options: ThreadOptions;
  readonly intensity: RestartIntensity;
  worker: Worker | undefined;
  up: boolean;
  stopping: boolean;
  /** Waiting for the thread to be up (a start on it while it restarts). */
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
  exited: Promise<void> | undefined;
}

const tsNodeInstance = Symbol.for('ts-node.register.instance');

/**
 * What a thread runs first. Under ts-node (registered in-process, which a Worker does not inherit):
 * code that registers it, then the node entry. Otherwise the entry file itself: a loader passed in
 * execArgv (tsx's `--import`) hooks the requires of a file entry, but not those of `eval` code.
 */
function bootstrap(): { code: string; eval: boolean; execArgv: string[] } {
  const entry = join(__dirname, `worker${__filename.endsWith('.ts') ? '.ts' : '.js'}`);
  const instance = (process as unknown as Record<symbol, { options?: { project?: string } } | undefined>)[tsNodeInstance];
  if (instance === undefined) return { code: entry, eval: false, execArgv: nodeFlags(process.execArgv, false) };
  // ts-node registered in-process (mocha's `require`, `-r ts-node/register`): the thread does the
  // same, transpile-only (type checking happened here, and a checking boot is slow).
  const tsNode = require.resolve('ts-node');
  const project = instance.options?.project ?? process.env.TS_NODE_PROJECT;
  const code = [
    "'use strict';",
    `if (!process[Symbol.for('ts-node.register.instance')]) require(${JSON.stringify(tsNode)}).register({ transpileOnly: true${project ? `, project: ${JSON.stringify(project)}` : ''} });`,
    `require(${JSON.stringify(entry)});`,
  ].join('\n');
  return { code, eval: true, execArgv: nodeFlags(process.execArgv, true) };
}

const WITH_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions']);
const KEEP = /^--(enable-source-maps|no-deprecation|no-warnings|experimental-|conditions|require|import|loader)/;

/** The flags of `argv` a Worker accepts (ts-node's CLI leaves its own there), without ts-node's `-r` when it is registered by hand. */
function nodeFlags(argv: readonly string[], dropTsNode: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const flag = arg.split('=')[0];
    // Only what changes how modules load: per-process flags (--expose-gc, …) make a Worker throw.
    if (!process.allowedNodeEnvironmentFlags.has(flag) || !(WITH_VALUE.has(flag) || KEEP.test(flag))) continue;
    if (WITH_VALUE.has(arg) && !arg.includes('=')) {
      const value = argv[++i];
      if (value !== undefined && !(dropTsNode && /ts-node/.test(value))) out.push(arg, value);
    } else if (!(dropTsNode && /ts-node/.test(arg))) out.push(arg);
  }
  return out;
}

let threadCount = 0;

/** The main thread's transport to its worker threads. */
export class ThreadTransport implements Transport {
  private events: TransportEvents | undefined;
  readonly threads = new Map<string, Thread>();
  private readonly outbox = new Outbox((node, batch) => this.threads.get(node)?.worker?.postMessage(batch));

  get self(): string {
    return self.name;
  }

  attach(events: TransportEvents): void {
    this.events = events;
  }

  send(node: string, frame: Frame, from: string = self.name): void {
    const thread = this.threads.get(node);
    if (thread === undefined || !thread.up) return;
    this.outbox.push(node, from, frame);
  }

  /** Starts `n` threads; resolves to their node names once every one has loaded its modules. */
  async start(n: number, options: ThreadOptions): Promise<string[]> {
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `${self.name}/thread-${++threadCount}`;
      const thread: Thread = {
        name,
        options,
        intensity: new RestartIntensity(options.maxRestarts ?? 3, options.maxSeconds ?? 5),
        worker: undefined,
        up: false,
        stopping: false,
        waiters: [],
        exited: undefined,
      };
      this.threads.set(name, thread);
      names.push(name);
    }
    const booted = await Promise.allSettled(names.map((name) => this.boot(this.threads.get(name)!)));
    const failed = booted.find((b) => b.status === 'rejected');
    if (failed !== undefined) {
      await this.stop(names);
      throw (failed as PromiseRejectedResult).reason;
    }
    return names;
  }

  private boot(thread: Thread): Promise<void> {
    const { code, eval: isCode, execArgv } = bootstrap();
    const options = thread.options;
    const worker = new Worker(code, {
      eval: isCode,
      workerData: { genserver: { name: thread.name, parent: self.name, modules: options.modules ?? [] } },
      execArgv: options.execArgv ?? execArgv,
      resourceLimits: options.resourceLimits,
      stdout: false,
      stderr: false,
    });
    thread.worker = worker;
    let lastError: unknown;
    let settled = false;
    return new Promise<void>((resolve, rejectBoot) => {
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        rejectBoot(new GenServerError(`Thread ${thread.name} did not load its modules within ${options.bootTimeout ?? 60000} ms.`));
        void worker.terminate();
      }, options.bootTimeout ?? 60000);
      worker.on('message', (message: unknown) => {
        if (Array.isArray(message)) return this.received(thread, message);
        const control = message as { ready?: boolean; failed?: unknown; log?: { level: 'error' | 'warn' | 'info'; message: string } };
        if (control.log !== undefined) {
          logger()[control.log.level](`[${thread.name}] ${control.log.message}`, { node: thread.name });
        } else if (control.ready && !settled) {
          settled = true;
          clearTimeout(timer);
          this.up(thread);
          resolve();
        } else if (control.failed !== undefined && !settled) {
          settled = true;
          clearTimeout(timer);
          rejectBoot(decode(control.failed, wire));
          void worker.terminate();
        }
      });
      worker.on('error', (error) => {
        lastError = error;
      });
      thread.exited = new Promise((exitedResolve) =>
        worker.on('exit', (code) => {
          clearTimeout(timer);
          if (!settled) {
            settled = true;
            rejectBoot(lastError ?? new GenServerError(`Thread ${thread.name} exited with code ${code} while loading its modules.`));
          }
          this.exited(thread, worker, lastError ?? `exit code ${code}`);
          exitedResolve();
        }),
      );
    });
  }

  private up(thread: Thread): void {
    const others = [...this.threads.values()].filter((t) => t !== thread && t.up).map((t) => t.name);
    thread.up = true;
    thread.worker!.postMessage({ up: [self.name, ...others] });
    for (const other of this.threads.values()) if (other !== thread && other.up) other.worker!.postMessage({ up: [thread.name] });
    this.events?.nodeUp(thread.name);
    for (const w of thread.waiters.splice(0)) w.resolve();
  }

  private received(thread: Thread, batch: unknown[]): void {
    const to = batch[0] as string;
    if (to === self.name) {
      for (let i = 1; i < batch.length; i++) this.events?.frame(thread.name, batch[i] as Frame, to);
      return;
    }
    const dest = this.threads.get(to);
    if (dest !== undefined) {
      if (dest.up) {
        this.outbox.flush();
        batch[0] = thread.name;
        dest.worker!.postMessage(batch);
      }
      return;
    }
    // For a node of another transport (a thread talking to a machine of the cluster).
    for (let i = 1; i < batch.length; i++) this.events?.frame(thread.name, batch[i] as Frame, to);
  }

  private exited(thread: Thread, worker: Worker, reason: unknown): void {
    if (thread.worker !== worker) return;
    thread.worker = undefined;
    const wasUp = thread.up;
    thread.up = false;
    if (wasUp) {
      for (const other of this.threads.values()) if (other.up) other.worker!.postMessage({ down: thread.name });
      this.events?.nodeDown(thread.name, reason);
      if (!thread.stopping) {
        logger().error(`Node ${thread.name} (a worker thread) went down: ${describeReason(reason)}`, { node: thread.name, reason });
      }
    }
    const restart = wasUp && !thread.stopping && (thread.options.restart ?? 'permanent') === 'permanent' && !thread.intensity.add();
    if (restart) {
      this.boot(thread).catch((error: unknown) => {
        logger().error(`Node ${thread.name} could not be restarted: ${describeReason(error)}`, { node: thread.name, error });
        this.giveUp(thread);
      });
      return;
    }
    this.giveUp(thread);
  }

  private giveUp(thread: Thread): void {
    if (thread.worker !== undefined) return;
    this.threads.delete(thread.name);
    for (const w of thread.waiters.splice(0)) w.reject(new NodeDownError(thread.name, 'Starting a server'));
  }

  /** Resolves when `node` is up; waits for a thread of this node that is (re)starting. */
  waitFor(node: string, timeout: number): Promise<void> {
    if (peerFor(node) !== undefined) return Promise.resolve();
    const thread = this.threads.get(node);
    if (thread === undefined || thread.stopping) return Promise.reject(new NodeDownError(node, 'Starting a server'));
    return new Promise((resolve, rejectWait) => {
      const waiter = { resolve, reject: rejectWait };
      thread.waiters.push(waiter);
      if (timeout !== Infinity) {
        setTimeout(() => {
          const i = thread.waiters.indexOf(waiter);
          if (i >= 0) {
            thread.waiters.splice(i, 1);
            rejectWait(new NodeDownError(node, 'Starting a server'));
          }
        }, timeout).unref();
      }
    });
  }

  /** Terminates threads (default: all); resolves once they have exited. */
  async stop(names: readonly string[] = [...this.threads.keys()]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const name of names) {
      const thread = this.threads.get(name);
      if (thread === undefined) continue;
      thread.stopping = true;
      if (thread.worker !== undefined) {
        waits.push(thread.exited ?? Promise.resolve());
        void thread.worker.terminate();
      } else this.giveUp(thread);
    }
    await Promise.all(waits);
  }

  close(): Promise<void> {
    return this.stop();
  }
}

let transport: ThreadTransport | undefined;

/** The main thread's thread transport, made and attached on first use. */
export function threadTransport(): ThreadTransport {
  if (transport === undefined) {
    transport = new ThreadTransport();
    addTransport(transport);
    setNodeWaiter((node, timeout) => transport!.waitFor(node, timeout));
  }
  return transport;
}

/** A worker thread's transport: everything goes through its parent's port. */
export class ParentTransport implements Transport {
  private events: TransportEvents | undefined;
  private readonly outbox: Outbox;

  constructor(
    readonly self: string,
    private readonly port: MessagePort,
  ) {
    this.outbox = new Outbox((_node, batch) => this.port.postMessage(batch));
    port.on('message', (message: unknown) => {
      if (Array.isArray(message)) {
        const from = message[0] as string;
        for (let i = 1; i < message.length; i++) this.events?.frame(from, message[i] as Frame, this.self);
        return;
      }
      const control = message as { up?: string[]; down?: string };
      if (control.up !== undefined) for (const node of control.up) this.events?.nodeUp(node);
      if (control.down !== undefined) this.events?.nodeDown(control.down, 'noconnection');
    });
  }

  attach(events: TransportEvents): void {
    this.events = events;
  }

  send(node: string, frame: Frame): void {
    // One port: a batch is addressed by its first element; a change of destination starts a new one.
    this.outbox.push('parent', node, frame);
  }

  /** Tells the parent the modules are loaded (or failed to). */
  ready(error?: unknown): void {
    this.port.postMessage(error === undefined ? { ready: true } : { failed: encodeLenient(error, wire)[0] });
  }

  close(): Promise<void> {
    this.port.close();
    return Promise.resolve();
  }
}
