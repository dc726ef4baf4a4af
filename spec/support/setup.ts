// Loaded by mocha before any spec (see .mocharc.json).
import 'reflect-metadata';

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

export const mochaHooks = {
  afterEach: async function noUnhandledRejection(this: Mocha.Context): Promise<void> {
    // Node reports unhandled rejections after the microtasks of a turn; give them that turn.
    await new Promise((resolve) => setImmediate(resolve));
    failOnUnhandled(`during '${this.currentTest?.fullTitle() ?? 'a test'}'`);
  },
  afterAll: async function noUnhandledRejectionAtTheEnd(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    failOnUnhandled('after the last test');
  },
};

process.on('exit', () => {
  if (unhandled.length > 0) {
    console.error(`${unhandled.length} unhandled rejection(s) after the specs ended`);
    process.exitCode = 1;
  }
});
