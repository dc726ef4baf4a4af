// Agent, Task and TaskSupervisor together: count the words of some "pages" (fetched with a fake
// delay) in tasks, at most two at once, and add them up in an Agent. The Agent and the
// TaskSupervisor run under a module-based supervisor, Crawler, whose @init declares them.
import { Agent, GenServer, Supervisor, Task, TaskSupervisor, init } from '../lib';

/** The supervision tree as a class (Elixir's `use Supervisor`): children and flags from @init. */
export class Crawler extends Supervisor {
  @init
  setup(totalsName: string) {
    return Supervisor.init(
      [Agent.childSpec(() => new Map<string, number>(), { name: totalsName }), [TaskSupervisor, { name: 'crawlers' }]],
      {
        strategy: 'one_for_one',
      },
    );
  }
}

const pages: Record<string, string> = {
  '/home': 'welcome to the home page',
  '/about': 'about us',
  '/slow': 'this page takes far too long',
  '/blog': 'the blog has the most words of all the pages here',
};

/** A fake fetch: resolves to the page's text after `ms`, or never returns in time for '/slow'. */
function fetchPage(path: string, signal: AbortSignal): Promise<string> {
  const ms = path === '/slow' ? 10_000 : 5;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(pages[path]), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });
}

export async function main(): Promise<void> {
  const app = await Crawler.start('word_totals');
  console.log(
    `children: ${Supervisor.whichChildren(app)
      .map((c) => c.id)
      .join(', ')}`,
  );

  // Ordered results, two tasks at a time; '/slow' is killed after 100 ms and reported, not fatal.
  const results = Task.asyncStream(
    Object.keys(pages),
    async (path, signal) => {
      const words = (await fetchPage(path, signal)).split(' ');
      await Agent.update<Map<string, number>>('word_totals', (totals) => {
        for (const w of words) totals.set(w, (totals.get(w) ?? 0) + 1);
        return totals;
      });
      return [path, words.length] as const;
    },
    { maxConcurrency: 2, timeout: 100, onTimeout: 'killTask' },
  );
  for await (const result of results) {
    console.log('ok' in result ? `${result.ok[0]}: ${result.ok[1]} words` : `a page gave up: ${String(result.exit)}`);
  }

  const top = await Agent.get('word_totals', (totals: Map<string, number>) =>
    [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 2),
  );
  console.log(`most used: ${top.map(([w, n]) => `${w} ×${n}`).join(', ')}`);

  // A supervised one-off task, awaited like Task.async.
  const task = await TaskSupervisor.async('crawlers', () => Agent.get('word_totals', (t: Map<string, number>) => t.size));
  console.log(`distinct words: ${await Task.await(task)}`);

  await GenServer.stop(app);
  console.log(`stopped: word_totals alive → ${GenServer.whereis('word_totals') !== undefined}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
