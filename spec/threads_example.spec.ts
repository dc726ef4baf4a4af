import { expect } from 'chai';
import { format } from 'node:util';
import { main } from '../examples/threads/app';

describe('examples/threads/app.ts', function () {
  this.timeout(180_000);

  it('runs the same jobs on the main thread and on two worker threads, with the same results, and stops its threads', async () => {
    const lines: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void lines.push(format(...args));
    try {
      await main();
    } finally {
      console.log = original;
    }
    expect(lines[0]).to.match(/^main thread only: 200 jobs in \d+ ms$/);
    expect(lines[1]).to.match(/^partitions run on: main\/thread-\d+, main\/thread-\d+, main\/thread-\d+, main\/thread-\d+$/);
    expect(lines).to.include('same results: true');
    expect(lines.some((l) => /^speed-up: \d+\.\d\dx/.test(l))).to.equal(true);
  });
});
