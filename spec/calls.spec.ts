import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { CallTimeoutError, GenServer, handleCall, handleCast, handleInfo, noreply, reply, type From } from '../lib';
import { heapAfterGc } from './support/heap';
import { gate, rejectionOf, sleep, trackServers, type Gate } from './support/helpers';

/** Runs `fn` with every process warning it raises (TimeoutOverflowWarning among them) collected. */
async function collectWarnings(fn: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    await fn();
    await sleep(5);
  } finally {
    process.off('warning', onWarning);
  }
  return warnings;
}

/** Keeps the CPU busy for `ms`, without yielding to the event loop. */
function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

// ---- fixtures ---------------------------------------------------------------------------------

/** Writes down every message it handles, in the order it handles them. */
class Recorder extends GenServer<string[]> {
  @handleCall('call')
  call(x: string, log: string[]) {
    log.push(`call ${x}`);
    return reply(x.toUpperCase(), log);
  }

  @handleCast('cast')
  cast(x: string, log: string[]) {
    log.push(`cast ${x}`);
    return noreply(log);
  }

  @handleInfo('info')
  info(x: string, log: string[]) {
    log.push(`info ${x}`);
    return noreply(log);
  }
}

/** An async handler that logs when it starts and ends, and waits for a gate in between. */
class Worker extends GenServer<string[]> {
  @handleCall('work')
  async work(job: { id: string; until: Promise<void> }, log: string[]) {
    log.push(`start ${job.id}`);
    await job.until;
    log.push(`end ${job.id}`);
    return reply(job.id, log);
  }

  @handleCall('slow')
  async slow(ms: number, log: string[]) {
    await sleep(ms);
    log.push('slow done');
    return reply('late', log);
  }

  @handleCall('log')
  getLog(_: void, log: string[]) {
    return reply([...log], log);
  }
}

/** Never answers 'ignore', and forgets its `from`: only a timeout ends such a call. */
class Sink extends GenServer<number> {
  @handleCall('ignore')
  ignore(_: void, n: number) {
    return noreply(n + 1);
  }

  @handleCall('echo')
  echo(x: unknown, n: number) {
    return reply(x, n);
  }
}

/** Never answers 'wait' itself: it parks each `from` in an array the test holds. */
class Desk extends GenServer<From[]> {
  @handleCall('wait')
  wait(_: void, waiting: From[], from: From) {
    waiting.push(from);
    return noreply(waiting);
  }

  @handleCast('answer')
  answer(value: unknown, waiting: From[]) {
    for (const from of waiting.splice(0)) GenServer.reply(from, value);
    return noreply(waiting);
  }

  @handleCall('count')
  count(_: void, waiting: From[]) {
    return reply(waiting.length, waiting);
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('talking to a server', () => {
  const track = trackServers();

  describe('GenServer.call()', () => {
    it("resolves to the handler's reply, by ref or by name", async () => {
      const ref = track(await Recorder.start([], { name: 'recorder' }));
      expect(await GenServer.call(ref, 'call', 'a')).to.equal('A');
      expect(await GenServer.call('recorder', 'call', 'b', 250)).to.equal('B');
      await GenServer.stop(ref);
    });

    it('rejects with CallTimeoutError after the timeout and keeps the server running', async () => {
      const waiting: From[] = [];
      const ref = track(await Desk.start(waiting));
      const sent = Date.now();
      const error = await rejectionOf(GenServer.call(ref, 'wait', undefined, 50));
      expect(Date.now() - sent).to.be.at.least(25); // not at once: the server had its 50 ms
      expect(error).to.be.instanceOf(CallTimeoutError);
      expect(error).to.include({ server: ref, tag: 'wait', timeout: 50 });
      expect(GenServer.isAlive(ref)).to.equal(true);
      expect(await GenServer.call(ref, 'count')).to.equal(1);
      await GenServer.stop(ref);
    });

    it('names the server as the caller did in CallTimeoutError', async () => {
      const ref = track(await Desk.start([], { name: 'desk' }));
      const error = await rejectionOf(GenServer.call('desk', 'wait', undefined, 30));
      expect(error).to.be.instanceOf(CallTimeoutError).and.to.include({ server: 'desk' });
      await GenServer.stop(ref);
    });

    it('drops a late reply, whether deferred or returned by a slow handler', async () => {
      const waiting: From[] = [];
      const ref = track(await Desk.start(waiting));
      await rejectionOf(GenServer.call(ref, 'wait', undefined, 30));
      expect(() => GenServer.reply(waiting[0], 'late')).not.to.throw();

      const worker = track(await Worker.start([]));
      expect(await rejectionOf(GenServer.call(worker, 'slow', 80, 20))).to.be.instanceOf(CallTimeoutError);
      // The next call waits behind the slow handler and gets its own answer, not the late one.
      expect(await GenServer.call(worker, 'log')).to.deep.equal(['slow done']);
      await GenServer.stop(worker);
      await GenServer.stop(ref);
    });

    it('waits 5000 ms by default; Infinity waits longer', async function () {
      this.timeout(9000);
      this.slow(12000);
      const ref = track(await Desk.start([]));
      const sent = Date.now();
      let forever: 'pending' | unknown = 'pending';
      const infinite = GenServer.call(ref, 'wait', undefined, Infinity).then((v) => (forever = v));
      const error = await rejectionOf(GenServer.call(ref, 'wait'));
      const waited = Date.now() - sent;
      expect(error).to.be.instanceOf(CallTimeoutError).and.to.include({ timeout: 5000 });
      expect(waited).to.be.within(4800, 7000);
      await sleep(200);
      expect(forever).to.equal('pending');
      GenServer.cast(ref, 'answer', 'at last');
      await infinite;
      expect(forever).to.equal('at last');
      await GenServer.stop(ref);
    });
  });

  describe('call deadlines', () => {
    it('wait longer than 2^31-1 ms without a TimeoutOverflowWarning', async () => {
      const ref = track(await Desk.start([]));
      let outcome: unknown = 'pending';
      const warnings = await collectWarnings(async () => {
        GenServer.call(ref, 'wait', undefined, 3e9).then(
          (v) => (outcome = v),
          (e: unknown) => (outcome = e),
        );
        await sleep(60);
      });
      expect(outcome).to.equal('pending');
      expect(warnings).to.deep.equal([]);
      GenServer.cast(ref, 'answer', 'at last');
      await sleep(5);
      expect(outcome).to.equal('at last');
      await GenServer.stop(ref);
    });

    it('never expire early after a long synchronous stretch', async function () {
      this.timeout(5000);
      const ref = track(await Desk.start([]));
      await GenServer.call(ref, 'count'); // the same turn goes on: the coarse clock is fresh
      busy(600);
      const sent = performance.now();
      const error = await rejectionOf(GenServer.call(ref, 'wait', undefined, 800));
      expect(error).to.be.instanceOf(CallTimeoutError);
      expect(performance.now() - sent).to.be.at.least(790);
      await GenServer.stop(ref);
    });

    it('are released by the server too: 100k calls it never answers, timed out, hold no memory', async function () {
      this.timeout(30000);
      const ref = track(await Sink.start(0));
      const runBatch = async (): Promise<void> => {
        for (let round = 0; round < 100; round++) {
          const calls: Promise<unknown>[] = [];
          for (let i = 0; i < 1000; i++) calls.push(GenServer.call(ref, 'ignore', undefined, 1).catch(() => undefined));
          // The server takes them all (noreply) before they time out; only then do they expire.
          await GenServer.call(ref, 'echo', 'taken', Infinity);
          await Promise.all(calls);
        }
      };
      await runBatch(); // warms up: code, queues and lists reach their size
      const before = await heapAfterGc();
      await runBatch();
      const grown = (await heapAfterGc()) - before;
      expect(grown, `heap grew ${(grown / 1e6).toFixed(1)} MB`).to.be.below(4e6);
      await GenServer.stop(ref);
    });

    it('of 100k distinct timeout values hold no memory once the calls are answered', async function () {
      this.timeout(30000);
      const ref = track(await Sink.start(0));
      const runBatch = async (from: number): Promise<void> => {
        const calls: Promise<unknown>[] = [];
        for (let i = 0; i < 100_000; i++) calls.push(GenServer.call(ref, 'echo', i, from + i));
        await Promise.all(calls);
      };
      await runBatch(60_000);
      const before = await heapAfterGc();
      await runBatch(200_000);
      const grown = (await heapAfterGc()) - before;
      expect(grown, `heap grew ${(grown / 1e6).toFixed(1)} MB`).to.be.below(4e6);
      await GenServer.stop(ref);
    });
  });

  describe('GenServer.reply()', () => {
    it('answers a deferred call from any code that holds its `from`', async () => {
      const waiting: From[] = [];
      const ref = track(await Desk.start(waiting));
      const answer = GenServer.call(ref, 'wait');
      expect(await GenServer.call(ref, 'count')).to.equal(1);
      GenServer.reply(waiting[0], 'from the test');
      expect(await answer).to.equal('from the test');
      await GenServer.stop(ref);
    });

    it('answers a deferred call from another handler of the server', async () => {
      const ref = track(await Desk.start([]));
      const answers = Promise.all([GenServer.call(ref, 'wait'), GenServer.call(ref, 'wait')]);
      GenServer.cast(ref, 'answer', 42);
      expect(await answers).to.deep.equal([42, 42]);
      await GenServer.stop(ref);
    });

    it('drops a second answer to the same call', async () => {
      const waiting: From[] = [];
      const ref = track(await Desk.start(waiting));
      const answer = GenServer.call(ref, 'wait');
      await GenServer.call(ref, 'count');
      GenServer.reply(waiting[0], 'first');
      expect(() => GenServer.reply(waiting[0], 'second')).not.to.throw();
      expect(await answer).to.equal('first');
      await GenServer.stop(ref);
    });
  });

  describe('GenServer.cast() and GenServer.send()', () => {
    it('deliver to @handleCast and @handleInfo and return undefined', async () => {
      const log: string[] = [];
      const ref = track(await Recorder.start(log));
      expect(GenServer.cast(ref, 'cast', 'a')).to.equal(undefined);
      expect(GenServer.send(ref, 'info', 'b')).to.equal(undefined);
      await GenServer.call(ref, 'call', 'sync');
      expect(log).to.deep.equal(['cast a', 'info b', 'call sync']);
      await GenServer.stop(ref);
    });

    it('never throw: a dead ref, an unknown name, even a bad target or tag are ignored', async () => {
      const ref = track(await Recorder.start([]));
      await GenServer.stop(ref);
      const bad = [ref, 'nobody_here', undefined, 42] as never[];
      for (const target of bad) {
        expect(GenServer.cast(target, 'cast', 'x')).to.equal(undefined);
        expect(GenServer.send(target, 'info', 'x')).to.equal(undefined);
      }
      expect(() => GenServer.cast(ref, 7 as never)).not.to.throw();
      expect(() => GenServer.send(ref, 7 as never)).not.to.throw();
    });
  });

  describe('message order', () => {
    it('delivers casts, calls and sends from one sender in the order they were sent', async () => {
      const log: string[] = [];
      const ref = track(await Recorder.start(log));
      GenServer.cast(ref, 'cast', '1');
      const two = GenServer.call(ref, 'call', '2');
      GenServer.send(ref, 'info', '3');
      GenServer.cast(ref, 'cast', '4');
      const five = GenServer.call(ref, 'call', '5');
      GenServer.send(ref, 'info', '6');
      expect(await Promise.all([two, five])).to.deep.equal(['2', '5']);
      await GenServer.call(ref, 'call', '7');
      expect(log).to.deep.equal(['cast 1', 'call 2', 'info 3', 'cast 4', 'call 5', 'info 6', 'call 7']);
      await GenServer.stop(ref);
    });

    it('handles one message at a time, in arrival order, even while an async handler awaits', async () => {
      const log: string[] = [];
      const ref = track(await Worker.start(log));
      const first: Gate = gate();
      const second: Gate = gate();
      const answers = Promise.all([
        GenServer.call(ref, 'work', { id: '1', until: first.promise }),
        GenServer.call(ref, 'work', { id: '2', until: second.promise }),
      ]);
      await sleep(20);
      expect(log).to.deep.equal(['start 1']);
      second.open(); // finishing order must not matter: the second waits for the first
      await sleep(20);
      expect(log).to.deep.equal(['start 1']);
      first.open();
      expect(await answers).to.deep.equal(['1', '2']);
      expect(log).to.deep.equal(['start 1', 'end 1', 'start 2', 'end 2']);
      await GenServer.stop(ref);
    });
  });
});
