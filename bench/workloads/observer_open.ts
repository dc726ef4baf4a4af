import { existsSync } from 'node:fs';
import { GenServer, Observer, type ServerRef } from '../../lib';
import { Counter } from '../fixtures';
import { interleaved, opsPerSecond } from '../harness';
import { atLeastTimes, row, type Workload } from '../workload';

const BATCH = 1000;
/** Idle servers in the system on both sides, so the observer's sampler has a table to walk. */
const IDLE = 10_000;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * Sequential calls with the Observer running and its page open in headless Chromium (live over SSE,
 * refetching the table page and a detail pane every sample), against the same calls with no observer.
 * Each measured side lasts at least 3 s, so it spans several samples at the default 1 s interval.
 * Skipped, with a note, when Chromium is not installed.
 */
export const observerOpen: Workload = {
  key: 'observer',
  name: `sequential calls, observer page open (${IDLE / 1000}k idle servers)`,
  async run(config) {
    if (!existsSync(CHROMIUM)) {
      console.log(`  skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or CHROMIUM=/path)`);
      return [];
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const idle: ServerRef[] = [];
    for (let i = 0; i < (config.quick ? 500 : IDLE); i++) idle.push(await Counter.start(i));
    const ref = await Counter.start(0);
    const page = await browser.newPage();
    const span = (ms: number) => (config.quick ? ms : Math.max(ms, 3000));
    const calls = (ms: number) =>
      opsPerSecond(span(ms), async () => {
        for (let i = 0; i < BATCH; i++) await GenServer.call(ref, 'get');
        return BATCH;
      });
    try {
      // The sampler alone (an observer with nobody looking), then the page open on top of it.
      const running = await interleaved(
        async (ms) => {
          const observer = await Observer.start();
          try {
            return await calls(ms);
          } finally {
            await observer.stop();
          }
        },
        calls,
        config,
      );
      const open = await interleaved(
        async (ms) => {
          const observer = await Observer.start();
          try {
            await page.goto(observer.url);
            await page.locator('#rows .row').first().waitFor();
            await page.locator('#rows .row').first().click();
            return await calls(ms);
          } finally {
            await page.goto('about:blank');
            await observer.stop();
          }
        },
        calls,
        config,
      );
      const target = atLeastTimes(0.95, 'the same without an observer');
      return [
        row(
          'observer_running',
          `sequential calls, observer running, no page (${IDLE / 1000}k idle servers)`,
          'ops/s',
          running.ours,
          running.base,
          target,
        ),
        row(this.key, this.name, 'ops/s', open.ours, open.base, target),
      ];
    } finally {
      await browser.close();
      await GenServer.stop(ref);
      for (const r of idle) GenServer.exit(r, 'kill');
    }
  },
};
