// The Observer's page in a real browser: Debian's headless Chromium, driven by playwright-core
// (`npm run test:browser`; CHROMIUM=/path overrides /usr/bin/chromium). Run by .ci/run after npm test.
import { expect } from 'chai';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { GenServer, Observer, Supervisor, handleCall, handleCast, reply, type RunningObserver, type ServerRef } from '../../lib';
import { captureLogs, trackServers } from '../support/helpers';

class Worker extends GenServer<number> {
  @handleCall('get')
  get(_: void, n: number) {
    return reply(n, n);
  }

  @handleCast('crash')
  crash(): never {
    throw new Error('crashed on purpose');
  }
}

class Needle extends GenServer<number> {}

const EXECUTABLE = process.env.CHROMIUM ?? '/usr/bin/chromium';

describe('Observer page (headless Chromium)', function () {
  this.timeout(120_000);
  const track = trackServers();
  captureLogs();
  let browser: Browser;
  let page: Page;
  let obs: RunningObserver | undefined;
  const pageErrors: Error[] = [];

  before(async () => {
    browser = await chromium.launch({ executablePath: EXECUTABLE, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    pageErrors.length = 0;
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error));
  });
  afterEach(async () => {
    await page.close();
    await obs?.stop();
    obs = undefined;
    expect(pageErrors.map(String), 'errors in the page').to.deep.equal([]);
  });

  const open = async (options?: Parameters<typeof Observer.start>[0]) => {
    obs = await Observer.start({ interval: 100, ...options });
    await page.goto(obs.url);
    return obs;
  };

  it('shows the supervision tree', async () => {
    const sup = track(
      await Supervisor.start(
        [
          { id: 'first', start: () => Worker.startLink(0) },
          { id: 'second', start: () => Worker.startLink(0, { name: 'b_second' }) },
        ],
        { name: 'b_sup', strategy: 'rest_for_one' },
      ),
    );
    await open();
    const head = page.locator(`.sup-head[data-sup-id="${sup.id}"]`);
    await head.waitFor();
    expect(await head.textContent())
      .to.include('b_sup')
      .and.include('rest_for_one')
      .and.include('2 children');
    expect(await page.locator('.tree-child[data-child-id="first"]').count()).to.equal(1);
    expect(await page.locator('.tree-child[data-child-id="second"]').textContent()).to.include('b_second');
  });

  it('shows a crash in the log and a higher restart count within a second', async () => {
    const sup = track(await Supervisor.start([{ id: 'fragile', start: () => Worker.startLink(0) }]));
    await open();
    await page.locator('.tree-child[data-child-id="fragile"][data-restarts="0"]').waitFor();
    const child = Supervisor.whichChildren(sup)[0].ref as ServerRef;
    const crashed = Date.now();
    GenServer.cast(child, 'crash');
    await page.locator(`#log .entry[data-kind="crash"][data-server-id="${child.id}"]`).waitFor({ timeout: 1000 });
    await page
      .locator('.tree-child[data-child-id="fragile"][data-restarts="1"]')
      .waitFor({ timeout: Math.max(1, 1000 - (Date.now() - crashed)) });
    expect(await page.locator('#log .entry').first().textContent())
      .to.include('terminating')
      .and.include('crashed on purpose');
  });

  it('kills a server from its detail pane', async () => {
    const ref = track(await Worker.start(0, { name: 'b_victim' }));
    await open();
    await page.fill('#filter', 'b_victim');
    await page.locator(`#rows .row[data-id="${ref.id}"]`).click();
    await page.locator(`#detail[data-id="${ref.id}"] button[data-action="kill"]`).click();
    expect(await GenServer.awaitExit(ref)).to.equal('killed');
  });

  it('turns tracing on from the page and shows the last messages', async () => {
    const ref = track(await Worker.start(7));
    await open();
    await page.fill('#filter', `#${ref.id}`);
    await page.locator(`#rows .row[data-id="${ref.id}"]`).click();
    await page.locator('#detail button[data-action="trace"]').click();
    await page.locator('#detail button[data-action="trace"]', { hasText: 'Trace off' }).waitFor();
    await GenServer.call(ref, 'get');
    await page.locator('#detail pre.traces', { hasText: "in: call 'get'" }).waitFor();
    expect(GenServer.info(ref).tracing).to.equal(true);
  });

  it('refuses actions without the token (403), and without readOnly refuses the page too', async () => {
    const ref = track(await Worker.start(0));
    obs = await Observer.start({ interval: 100, readOnly: true });
    await page.goto(obs.baseUrl);
    await page.locator(`#rows .row[data-id="${ref.id}"]`).click();
    expect(await page.locator('#detail button[data-action="kill"]').isDisabled()).to.equal(true);
    const status = await page.evaluate((id) => fetch(`/api/servers/${id}/kill`, { method: 'POST' }).then((r) => r.status), ref.id);
    expect(status).to.equal(403);
    expect(GenServer.isAlive(ref)).to.equal(true);
    await obs.stop();
    obs = await Observer.start();
    const response = await page.goto(obs.baseUrl);
    expect(response?.status()).to.equal(403);
  });

  it('sorts the table when a column header is clicked', async () => {
    const a = track(await Worker.start(0, { name: 'b_sort_a' }));
    const z = track(await Worker.start(0, { name: 'b_sort_z' }));
    await open();
    await page.fill('#filter', 'b_sort_');
    await page.locator('#count[data-matched="2"]').waitFor();
    await page.click('#thead [data-sort="name"]');
    await page.click('#thead [data-sort="name"]');
    await page.locator(`#rows .row:first-child[data-id="${z.id}"]`).waitFor();
    await page.click('#thead [data-sort="name"]');
    await page.locator(`#rows .row:first-child[data-id="${a.id}"]`).waitFor();
  });

  it('renders 100 000 servers and filters them', async function () {
    this.timeout(300_000);
    const N = 100_000;
    const refs: ServerRef[] = [];
    for (let i = 0; i < N - 10; i++) refs.push(await Worker.start(i));
    for (let i = 0; i < 10; i++) refs.push(await Needle.start(i));
    try {
      obs = await Observer.start({ interval: 1000 });
      const t0 = Date.now();
      await page.goto(obs.url);
      await page.locator(`#count[data-total="${N}"]`).waitFor({ state: 'attached', timeout: 60_000 });
      await page.locator('#rows .row').first().waitFor();
      const render = Date.now() - t0;
      const rows = await page.locator('#rows .row').count();
      expect(rows, 'rows in the DOM (virtualised)').to.be.lessThan(200);
      const t1 = Date.now();
      await page.fill('#filter', 'needle');
      await page.locator('#count[data-matched="10"]').waitFor({ state: 'attached', timeout: 60_000 });
      const filter = Date.now() - t1;
      expect(await page.locator('#rows .row').count()).to.equal(10);
      await page.fill('#filter', '');
      await page.locator(`#count[data-matched="${N}"]`).waitFor({ state: 'attached', timeout: 60_000 });
      const t2 = Date.now();
      await page.locator('#viewport').evaluate((el) => (el.scrollTop = el.scrollHeight));
      await page.locator(`#rows .row[data-id="${refs[N - 1].id}"]`).waitFor({ timeout: 60_000 });
      const scroll = Date.now() - t2;
      console.log(
        `      100 000 servers: first rows ${render} ms after navigation, filtered in ${filter} ms, scrolled to the last in ${scroll} ms`,
      );
    } finally {
      for (const ref of refs) GenServer.exit(ref, 'kill');
    }
  });

  it('takes a screenshot of the page', async () => {
    track(await Supervisor.start([{ id: 'one', start: () => Worker.startLink(0) }], { name: 'b_shot' }));
    await open();
    await page.locator('#rows .row').first().waitFor();
    await page.waitForTimeout(500);
    const file = join(tmpdir(), `observer-spec-${process.pid}.png`);
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).to.be.greaterThan(10_000);
  });
});
