// Regenerates the README's screenshot of the Observer: `npm run screenshot:observer`.
// Starts the chat demo under load, lets the charts fill for a while, opens the page in Debian's
// headless Chromium (CHROMIUM=/path overrides /usr/bin/chromium) and writes docs/observer.png.
import 'reflect-metadata';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { setLogger } from '../lib';
import { startDemo } from '../examples/chat/observer';

async function main(): Promise<void> {
  setLogger({ error() {}, warn() {}, info() {} });
  const demo = await startDemo({ rooms: 300, crashEveryMs: 3000 });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(demo.observer.url);
    await page.waitForSelector('#rows .row');
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.WARMUP_MS ?? 20000)));
    await page.click('#thead [data-sort="rate"]');
    await page.waitForTimeout(1500);
    const file = join(__dirname, '..', 'docs', 'observer.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`wrote ${file}`);
  } finally {
    await browser.close();
    await demo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
