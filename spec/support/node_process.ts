import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { track } from './children';

/**
 * Nodes as separate OS processes for the cluster specs: a small TypeScript program run under
 * ts-node (transpile-only, so a start costs about a second), told what to do through environment
 * variables, saying `ready` on stdout once it has joined. Every process started here is killed when
 * this process ends, however it ends (children.ts), and `stopAll()` (an afterEach) ends what a spec left running.
 */

const live = new Set<NodeProcess>();

export class NodeProcess {
  readonly exited: Promise<number | string | null>;
  private out = '';
  private readonly waiters: { text: string; resolve: () => void }[] = [];

  constructor(readonly child: ChildProcess) {
    live.add(this);
    track(child);
    const onData = (chunk: Buffer) => {
      this.out += chunk.toString();
      for (const w of [...this.waiters]) {
        if (this.out.includes(w.text)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(this);
        resolve(signal ?? code);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Everything it printed (stdout and stderr). */
  get output(): string {
    return this.out;
  }

  /** Resolves once the process has printed `text`; rejects if it exits first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs = 90_000): Promise<void> {
    if (this.out.includes(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`node process ${this.pid} did not print '${text}' within ${timeoutMs} ms:\n${this.out}`)),
        timeoutMs,
      );
      const entry = {
        text,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(entry);
      void this.exited.then((how) => {
        if (!this.waiters.includes(entry)) return;
        this.waiters.splice(this.waiters.indexOf(entry), 1);
        clearTimeout(timer);
        reject(new Error(`node process ${this.pid} exited (${String(how)}) before printing '${text}':\n${this.out}`));
      });
    });
  }

  /** kill -9: no goodbye, no cleanup; resolves once the OS has reaped it. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

/** Starts `program` (a path under spec/cluster/programs/) with `env`; resolves once it printed `ready`. */
export async function startNode(program: string, env: Record<string, string>): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'cluster', 'programs', program)], {
    env: { ...process.env, ...env, TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const node = new NodeProcess(child);
  try {
    await node.waitFor('ready');
  } catch (error) {
    await node.kill();
    throw error;
  }
  return node;
}

/** Kills every node process still running (for afterEach); resolves to how many there were. */
export async function stopAll(): Promise<number> {
  const left = [...live];
  await Promise.all(left.map((n) => n.kill()));
  return left.length;
}
