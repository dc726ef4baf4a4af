import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { ArgumentError, GenServer, TimerRef, handleCall, handleInfo, init, noreply, reply, terminate, type ServerRef } from '../lib';
import { captureLogs, gate, rejectionOf, sleep, trackServers, type Gate } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

interface Dial {
  /** Shared with the test: the payloads of the timer messages, in the order they arrived. */
  rang: unknown[];
  /** Opened by the first 'ring'. */
  firstRing: Gate<unknown>;
  /** A timer for init to start, if any: [payload, ms]. */
  fromInit?: [unknown, number];
}

const dial = (fromInit?: [unknown, number]): Dial => ({ rang: [], firstRing: gate<unknown>(), fromInit });

interface After {
  tag?: unknown;
  payload?: unknown;
  ms: unknown;
}

class Clock extends GenServer<Dial> {
  @init
  setup(s: Dial) {
    if (s.fromInit) this.sendAfter('ring', ...s.fromInit);
    return s;
  }

  @handleCall('after')
  after({ tag = 'ring', payload, ms }: After, s: Dial) {
    return reply(this.sendAfter(tag as string, payload, ms as number), s);
  }

  /** Replies with what sendAfter threw. */
  @handleCall('tryAfter')
  tryAfter({ tag = 'ring', payload, ms }: After, s: Dial) {
    try {
      return reply(this.sendAfter(tag as string, payload, ms as number), s);
    } catch (error) {
      return reply(error, s);
    }
  }

  @handleCall('cancel')
  cancel(timer: TimerRef, s: Dial) {
    return reply(GenServer.cancelTimer(timer), s);
  }

  @handleCall('crash')
  crash(): never {
    throw new Error('boom');
  }

  @handleInfo('ring')
  ring(payload: unknown, s: Dial) {
    s.rang.push(payload);
    s.firstRing.open(payload);
    return noreply(s);
  }
}

/** How many timers are keeping the Node process alive right now. */
async function liveTimers(): Promise<number> {
  // Let the library unref its idle call-deadline timer (it does so on the next turn).
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

const HOUR = 3_600_000;

// ---- specs ------------------------------------------------------------------------------------

describe('this.sendAfter()', () => {
  const track = trackServers();
  captureLogs();

  it('delivers the info message with its payload after the delay, and not before', async () => {
    const s = dial();
    const ref = track(await Clock.start(s));
    const setAt = performance.now();
    const timer = await GenServer.call(ref, 'after', { payload: 'hello', ms: 40 });
    expect(timer).to.be.instanceOf(TimerRef);
    expect(await s.firstRing.promise).to.equal('hello');
    // A lower bound only (a timer may run late, never early; 2 ms for clock rounding).
    expect(performance.now() - setAt).to.be.at.least(38);
    expect(s.rang).to.deep.equal(['hello']);
  });

  it('works from init', async () => {
    const s = dial(['from init', 5]);
    track(await Clock.start(s));
    expect(await s.firstRing.promise).to.equal('from init');
  });

  it('with 0 ms, delivers as soon as possible', async () => {
    const s = dial();
    const ref = track(await Clock.start(s));
    await GenServer.call(ref, 'after', { payload: 'now', ms: 0 });
    expect(await s.firstRing.promise).to.equal('now');
  });

  it('delivers several timers in the order of their delays', async () => {
    const s = dial();
    const ref = track(await Clock.start(s));
    await GenServer.call(ref, 'after', { payload: 'late', ms: 80 });
    await GenServer.call(ref, 'after', { payload: 'early', ms: 5 });
    await sleep(150);
    expect(s.rang).to.deep.equal(['early', 'late']);
  });

  for (const ms of [-1, NaN, Infinity, '10', undefined]) {
    it(`throws ArgumentError for ms = ${String(ms)} (${typeof ms}); the server goes on`, async () => {
      const ref = track(await Clock.start(dial()));
      const error = await GenServer.call(ref, 'tryAfter', { ms });
      expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: 'ms' });
      expect((error as Error).message).to.contain('`ms`');
      expect(GenServer.isAlive(ref)).to.equal(true);
      expect(GenServer.info(ref).timers).to.equal(0);
    });
  }

  it('throws ArgumentError for a tag that is not a string', async () => {
    const ref = track(await Clock.start(dial()));
    const error = await GenServer.call(ref, 'tryAfter', { tag: 42, ms: 5 });
    expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: 'tag', value: 42 });
  });
});

describe('GenServer.cancelTimer()', () => {
  const track = trackServers();
  captureLogs();

  it('returns true while the timer is pending, and its message never arrives', async () => {
    const s = dial();
    const ref = track(await Clock.start(s));
    const timer = (await GenServer.call(ref, 'after', { payload: 'cancelled', ms: 30 })) as TimerRef;
    expect(GenServer.info(ref).timers).to.equal(1);
    expect(GenServer.cancelTimer(timer)).to.equal(true);
    expect(GenServer.info(ref).timers).to.equal(0);
    await sleep(80);
    expect(s.rang).to.deep.equal([]);
  });

  it('returns false for a second cancel', async () => {
    const ref = track(await Clock.start(dial()));
    const timer = (await GenServer.call(ref, 'after', { ms: HOUR })) as TimerRef;
    expect(GenServer.cancelTimer(timer)).to.equal(true);
    expect(GenServer.cancelTimer(timer)).to.equal(false);
  });

  it('returns false once the message has been delivered', async () => {
    const s = dial();
    const ref = track(await Clock.start(s));
    const timer = (await GenServer.call(ref, 'after', { payload: 'delivered', ms: 1 })) as TimerRef;
    await s.firstRing.promise;
    expect(GenServer.cancelTimer(timer)).to.equal(false);
    expect(s.rang).to.deep.equal(['delivered']);
  });

  it('works from inside the server too', async () => {
    const s = dial();
    const ref = track(await Clock.start(s));
    const timer = await GenServer.call(ref, 'after', { ms: HOUR });
    expect(await GenServer.call(ref, 'cancel', timer)).to.equal(true);
    expect(GenServer.info(ref).timers).to.equal(0);
  });

  for (const [what, notATimer] of [
    ['undefined', undefined],
    ['a string', 'timer'],
    ['a plain object', {}],
  ]) {
    it(`throws ArgumentError for ${what}, which is not a TimerRef`, () => {
      expect(() => GenServer.cancelTimer(notATimer as never))
        .to.throw(ArgumentError)
        .with.property('argument', 'timer');
    });
  }
});

describe('timers die with their server', () => {
  const track = trackServers();
  captureLogs();

  const endings: Record<string, (ref: ServerRef) => Promise<unknown>> = {
    'GenServer.stop()': (ref) => GenServer.stop(ref),
    "GenServer.exit(ref, 'kill')": async (ref) => GenServer.exit(ref, 'kill'),
    'a crash': (ref) => rejectionOf(GenServer.call(ref, 'crash')),
  };

  for (const [how, end] of Object.entries(endings)) {
    it(`cancels every pending timer when the server exits through ${how}, leaving no handle behind`, async () => {
      const ref = track(await Clock.start(dial()));
      const timers: TimerRef[] = [];
      // An hour each: a timer left behind would keep mocha (run without --exit) from ending.
      for (let i = 0; i < 3; i++) timers.push((await GenServer.call(ref, 'after', { ms: HOUR })) as TimerRef);
      // The runtime's own handles (a Delay each, one Node Timeout under it).
      const delays = timers.map((t) => t.timer!);
      expect(GenServer.info(ref).timers).to.equal(3);
      expect(delays.map((d) => d.pending)).to.deep.equal([true, true, true]);
      // Other specs' timers may end meanwhile, never start: the count with the three is an upper bound.
      const during = await liveTimers();

      const exited = GenServer.awaitExit(ref);
      await end(ref);
      await exited;

      expect(GenServer.info(ref).timers).to.equal(0);
      expect(delays.map((d) => d.pending)).to.deep.equal([false, false, false]);
      expect(await liveTimers()).to.be.at.most(during - 3);
      for (const timer of timers) expect(GenServer.cancelTimer(timer)).to.equal(false);
    });
  }
});

/** Sleeps `ms` and answers 'slept'; replies with `{ timeout }` when asked; hangs in terminate when told. */
class Sleeper extends GenServer<{ slept: number; timeouts: number; hang?: boolean }> {
  @init
  async setup(s: { slept: number; timeouts: number; hang?: boolean; initMs?: number }) {
    if (s.initMs) await sleep(s.initMs);
    return s;
  }

  @handleCall('idle')
  idle(ms: number, s: { slept: number; timeouts: number }) {
    return reply('ok', s, { timeout: ms });
  }

  @handleInfo('timeout')
  timedOut(_: void, s: { slept: number; timeouts: number }) {
    s.timeouts++;
    return noreply(s);
  }

  @terminate
  async done(_: unknown, s: { hang?: boolean }) {
    if (s.hang) await new Promise(() => undefined);
  }
}

/** Runs `fn` and returns every process warning (TimeoutOverflowWarning among them) it raised. */
async function warningsOf(fn: () => Promise<void>): Promise<string[]> {
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

describe('timeouts longer than 2^31-1 ms (about 24.8 days)', () => {
  const track = trackServers();
  captureLogs();
  const LONG = 3e9;

  it('sendAfter waits: the message does not arrive early, and the timer can be cancelled', async () => {
    const ref = track(await Clock.start(dial()));
    let timer: TimerRef | undefined;
    const warnings = await warningsOf(async () => {
      timer = (await GenServer.call(ref, 'after', { payload: 'late', ms: LONG })) as TimerRef;
      await sleep(50);
    });
    expect(warnings).to.deep.equal([]);
    expect(((await GenServer.getState(ref)) as Dial).rang).to.deep.equal([]);
    expect(GenServer.info(ref).timers).to.equal(1);
    expect(GenServer.cancelTimer(timer!)).to.equal(true);
  });

  it('a { timeout } return option waits: no timeout info arrives early', async () => {
    const ref = track(await Sleeper.start({ slept: 0, timeouts: 0 }));
    const warnings = await warningsOf(async () => {
      await GenServer.call(ref, 'idle', LONG);
      await sleep(50);
    });
    expect(warnings).to.deep.equal([]);
    expect(((await GenServer.getState(ref)) as { timeouts: number }).timeouts).to.equal(0);
  });

  it('GenServer.stop() waits for a stuck terminate instead of rejecting with StopTimeoutError at once', async () => {
    const ref = track(await Sleeper.start({ slept: 0, timeouts: 0, hang: true }));
    let outcome: unknown = 'pending';
    const warnings = await warningsOf(async () => {
      GenServer.stop(ref, 'normal', LONG).then(
        () => (outcome = 'stopped'),
        (e: unknown) => (outcome = e),
      );
      await sleep(50);
    });
    expect(warnings).to.deep.equal([]);
    expect(outcome).to.equal('pending');
    GenServer.exit(ref, 'kill');
    await sleep(5);
    expect(outcome).not.to.equal('pending');
  });

  it('the start option timeout waits for a slow init instead of rejecting with StartTimeoutError at once', async () => {
    let ref: ServerRef | undefined;
    const warnings = await warningsOf(async () => {
      ref = track(await Sleeper.start({ slept: 0, timeouts: 0, initMs: 40 }, { timeout: LONG }));
    });
    expect(warnings).to.deep.equal([]);
    expect(GenServer.isAlive(ref!)).to.equal(true);
  });
});
