// The lesson's bonus question: what happens when a GenServer gets too many messages?
//
// A server handles one message at a time. When messages arrive faster than it can handle them,
// the rest wait in its mailbox: the queue grows, and every caller waits for everyone ahead of it,
// so call latency rises with the queue, until callers give up with CallTimeoutError (the server
// still does the work of a caller who gave up; the late reply is dropped). The server is the
// bottleneck of everything that goes through it.
//
// One way out: spread the work over N servers. Each key (here a page) always goes to the same
// server, so each page's count still lives in exactly one place and is updated one message at a
// time, while different pages are served in parallel.
//
// Why the handler *awaits* (like a database query) rather than burning CPU: all servers share one
// JavaScript thread, so a pool helps when handlers wait, not when they compute. CPU-bound work needs
// more threads (worker_threads), not more servers on one thread.
import { performance } from 'node:perf_hooks';
import { CallTimeoutError, GenServer, handleCall, init, reply, type ServerRef } from '../lib';

const WORK_MS = 2; // each call waits this long, as for an I/O round trip
const BURST = 20; // calls sent together...
const EVERY_MS = 10; // ...this often: 2000 calls/s, about 4x what one server can do
const BURSTS = 25; // for 250 ms: 500 calls in all
const PAGES = 50;
const POOL_SIZE = 8;
const SAMPLE_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Counts views per page; every view costs an awaited round trip. */
export class PageViews extends GenServer<Map<string, number>> {
  @init
  setup() {
    return new Map<string, number>();
  }

  @handleCall('view')
  async view(page: string, views: Map<string, number>) {
    await sleep(WORK_MS);
    const count = (views.get(page) ?? 0) + 1;
    views.set(page, count);
    return reply(count, views);
  }

  @handleCall('total')
  total(_payload: void, views: Map<string, number>) {
    let sum = 0;
    for (const n of views.values()) sum += n;
    return reply(sum, views);
  }
}

/** A stable hash, so a page always lands on the same server of the pool. */
function hash(key: string): number {
  let h = 5381;
  for (let i = 0; i < key.length; i++) h = ((h * 33) ^ key.charCodeAt(i)) >>> 0;
  return h;
}

interface FloodResult {
  calls: number;
  elapsedMs: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
  peakMailbox: number;
}

const pad = (n: number, width: number) => String(Math.round(n)).padStart(width);

/**
 * Sends BURST calls every EVERY_MS ms, BURSTS times, to `route(page)`, and every SAMPLE_MS ms
 * prints how many calls are queued in the servers' mailboxes (`GenServer.info`, which never waits).
 */
async function flood(servers: ServerRef<PageViews>[], route: (page: string) => ServerRef<PageViews>): Promise<FloodResult> {
  const latencies: number[] = [];
  const replies: Promise<unknown>[] = [];
  let sent = 0;
  let answered = 0;
  let peakMailbox = 0;
  const start = performance.now();
  const queued = () => {
    const inMailboxes = servers.reduce((sum, s) => sum + GenServer.info(s).mailboxLength, 0);
    peakMailbox = Math.max(peakMailbox, inMailboxes);
    return inMailboxes;
  };
  const sample = () => {
    const inMailboxes = queued();
    console.log(
      `  t=${pad(performance.now() - start, 4)} ms  sent ${pad(sent, 3)}  answered ${pad(answered, 3)}  queued ${pad(inMailboxes, 3)}`,
    );
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  try {
    for (let b = 0; b < BURSTS; b++) {
      for (let i = 0; i < BURST; i++) {
        const page = `page-${sent % PAGES}`;
        const sentAt = performance.now();
        sent++;
        replies.push(
          GenServer.call(route(page), 'view', page).then(() => {
            latencies.push(performance.now() - sentAt);
            answered++;
          }),
        );
      }
      queued();
      await sleep(EVERY_MS);
    }
    await Promise.all(replies);
  } finally {
    clearInterval(sampler);
  }
  const elapsedMs = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { calls: sent, elapsedMs, medianMs: at(0.5), p99Ms: at(0.99), maxMs: latencies[latencies.length - 1], peakMailbox };
}

function summary(label: string, r: FloodResult): string {
  return (
    `  ${label}: ${r.calls} calls in ${Math.round(r.elapsedMs)} ms (${Math.round((r.calls * 1000) / r.elapsedMs)} calls/s); ` +
    `latency median ${Math.round(r.medianMs)} ms, p99 ${Math.round(r.p99Ms)} ms, max ${Math.round(r.maxMs)} ms; ` +
    `queue peaked at ${r.peakMailbox}`
  );
}

async function totalViews(servers: ServerRef<PageViews>[]): Promise<number> {
  const totals = await Promise.all(servers.map((s) => GenServer.call(s, 'total') as Promise<number>));
  return totals.reduce((a, b) => a + b, 0);
}

export async function main(): Promise<void> {
  console.log(`Each 'view' call awaits ${WORK_MS} ms, so one PageViews server answers at most ~${Math.floor(1000 / WORK_MS)} calls/s.`);
  console.log(
    `Flood: ${BURST} calls every ${EVERY_MS} ms (${(BURST * 1000) / EVERY_MS} calls/s) for ${BURSTS * EVERY_MS} ms, ${BURST * BURSTS} calls in all.`,
  );

  // 1. One server: the queue grows as long as the flood lasts, and latency with it.
  console.log('One server:');
  const single = await PageViews.start();
  const one = await flood([single], () => single);
  console.log(summary('one server', one));
  console.log(`  views recorded: ${await totalViews([single])}`);

  // 2. The same server, 100 calls at once, callers willing to wait 50 ms: most give up.
  console.log('One server, 100 calls at once, each with a 50 ms timeout:');
  const outcomes = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => GenServer.call(single, 'view', `page-${i % PAGES}`, 50)));
  const timedOut = outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof CallTimeoutError).length;
  console.log(`  ${outcomes.length - timedOut} answered, ${timedOut} rejected with CallTimeoutError`);
  // 'total' queues behind the abandoned calls: the server still did their work.
  const handled = (await GenServer.call(single, 'total', undefined, Infinity)) as number;
  console.log(`  the server still handled all of them: views recorded ${handled - one.calls} of 100 (late replies dropped)`);
  await GenServer.stop(single);

  // 3. A pool: each page hashed to one of POOL_SIZE servers.
  console.log(`Pool of ${POOL_SIZE} servers, each page hashed to one of them:`);
  const pool = await Promise.all(Array.from({ length: POOL_SIZE }, () => PageViews.start()));
  const many = await flood(pool, (page) => pool[hash(page) % pool.length]);
  console.log(summary(`pool of ${POOL_SIZE}`, many));
  console.log(`  views recorded: ${await totalViews(pool)}`);
  await Promise.all(pool.map((s) => GenServer.stop(s)));

  console.log(
    `Median latency: ${Math.round(one.medianMs)} ms with one server, ${Math.round(many.medianMs)} ms with the pool; ` +
      `queue peaked at ${one.peakMailbox} vs ${many.peakMailbox}.`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
