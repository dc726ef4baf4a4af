// Loaded by mocha before any spec (see .mocharc.json).
import 'reflect-metadata';
import { killAllChildren, osChildren } from './children';

// No crash, bad input or timeout may ever become an unhandled rejection (API.md §3). Mocha only
// re-emits them, which by default goes unnoticed, so every one is recorded here and fails the test
// during which it surfaced (or, failing that, the run).
const unhandled: unknown[] = [];
const seen = new WeakSet<Promise<unknown>>();

process.on('unhandledRejection', (reason, promise) => {
  // Mocha re-emits the event, so the same rejection can arrive twice.
  if (seen.has(promise)) return;
  seen.add(promise);
  unhandled.push(reason);
});

function failOnUnhandled(where: string): void {
  if (unhandled.length === 0) return;
  const reasons = unhandled.splice(0).map((r) => (r instanceof Error ? (r.stack ?? r.message) : String(r)));
  throw new Error(`${reasons.length} unhandled rejection(s) ${where}:\n${reasons.join('\n')}`);
}

// A spec run leaves no process behind: every child of this process (nats-servers, node programs,
// anything a spec spawned) has exited by the end. Exits are reaped asynchronously, so give
// stragglers a few seconds; what is still there is killed and fails the run.
async function noChildProcessLeft(): Promise<void> {
  const deadline = Date.now() + 5000;
  let left = osChildren();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = osChildren();
  }
  if (left.length === 0) return;
  killAllChildren();
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`the specs left ${left.length} process(es) running:\n${left.map((p) => `${p.pid} ${p.command}`).join('\n')}`);
}

export const mochaHooks = {
  afterEach: async function noUnhandledRejection(this: Mocha.Context): Promise<void> {
    // Node reports unhandled rejections after the microtasks of a turn; give them that turn.
    await new Promise((resolve) => setImmediate(resolve));
    failOnUnhandled(`during '${this.currentTest?.fullTitle() ?? 'a test'}'`);
  },
  afterAll: [
    async function noUnhandledRejectionAtTheEnd(): Promise<void> {
      await new Promise((resolve) => setImmediate(resolve));
      failOnUnhandled('after the last test');
    },
    noChildProcessLeft,
  ],
};

process.on('exit', () => {
  if (unhandled.length > 0) {
    console.error(`${unhandled.length} unhandled rejection(s) after the specs ended`);
    process.exitCode = 1;
  }
});
