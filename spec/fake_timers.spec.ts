import * as FakeTimers from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<typeof FakeTimers.install>;
import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import {
  CallTimeoutError,
  GenServer,
  StartTimeoutError,
  StopTimeoutError,
  Supervisor,
  handleCall,
  handleCast,
  handleInfo,
  init,
  noreply,
  reply,
  terminate,
  type From,
  type TimerRef,
} from '../lib';
import { captureLogs, rejectionOf, sleep, trackServers } from './support/helpers';

// Real time, for handlers that must take real time while performance.now() is faked.
const realNow = performance.now.bind(performance);

// ---- fixtures ---------------------------------------------------------------------------------

/** Writes down what happened; never answers 'ignore' (so a caller waits for its deadline). */
class Clocked extends GenServer<string[]> {
  timer: TimerRef | undefined;

  @init
  setup(events: string[]) {
    return events;
  }

  @handleCall('later')
  later(ms: number, events: string[]) {
    this.timer = this.sendAfter('ding', ms, ms);
    return reply('armed', events);
  }

  @handleCall('cancel')
  cancel(_: void, events: string[]) {
    return reply(this.timer !== undefined && GenServer.cancelTimer(this.timer), events);
  }

  @handleCall('idle')
  idle(ms: number, events: string[]) {
    return reply('idle', events, { timeout: ms });
  }

  @handleCall('ignore')
  ignore(_: void, events: string[], _from: From) {
    return noreply(events);
  }

  @handleCall('events')
  list(_: void, events: string[]) {
    return reply([...events], events);
  }

  @handleCast('work')
  work(n: number, events: string[]) {
    if (n % 10_000 === 0) events.push(`work ${n}`);
    return noreply(events);
  }

  @handleCast('burn')
  burn(ms: number, events: string[]) {
    const end = realNow() + ms;
    while (realNow() < end);
    events.push('burnt');
    return noreply(events);
  }

  @handleInfo('ding')
  ding(ms: number, events: string[]) {
    events.push(`ding ${ms}`);
    return noreply(events);
  }

  @handleInfo('timeout')
  timeout(_: void, events: string[]) {
    events.push('timeout');
    return noreply(events);
  }
}

/** Init and terminate that take `ms` of (fake) time. */
class Slow extends GenServer<number> {
  @init
  async setup(ms: number) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  }

  @terminate
  async cleanup(_reason: unknown, ms: number) {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

class Crasher extends GenServer<void> {
  @handleCast('crash')
  crash(): never {
    throw new Error('boom');
  }
}

// ---- specs ------------------------------------------------------------------------------------

// Two ways fake timers get installed: fake-timers' own default fakes everything (performance.now too);
// vitest 2's default fakes the timers and Date but leaves performance.now real.
const INSTALLS: [string, FakeTimers.Config | undefined][] = [
  ['FakeTimers.install()', undefined],
  [
    "vitest 2's default toFake",
    { toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'Date'] },
  ],
];

for (const [how, config] of INSTALLS)
  describe(`fake timers, installed with ${how}`, () => {
    const track = trackServers();
    captureLogs();
    let clock: InstalledClock | undefined;

    afterEach(() => {
      clock?.uninstall();
      clock = undefined;
    });

    const install = (): InstalledClock => (clock = FakeTimers.install(config));

    it('this.sendAfter() delivers when the fake clock reaches the delay, and not before', async () => {
      const clock = install();
      const ref = track(await Clocked.start([]));
      await GenServer.call(ref, 'later', 60_000);
      await clock.tickAsync(59_999);
      expect(await GenServer.call(ref, 'events')).to.deep.equal([]);
      await clock.tickAsync(1);
      expect(await GenServer.call(ref, 'events')).to.deep.equal(['ding 60000']);
    });

    it('an idle { timeout } fires after that much fake time without messages', async () => {
      const clock = install();
      const ref = track(await Clocked.start([]));
      await GenServer.call(ref, 'idle', 30_000);
      await clock.tickAsync(29_999);
      expect(await GenServer.call(ref, 'events')).to.deep.equal([]);
      await GenServer.call(ref, 'idle', 30_000);
      await clock.tickAsync(30_000);
      expect(await GenServer.call(ref, 'events')).to.deep.equal(['timeout']);
    });

    it('a call rejects with CallTimeoutError once the fake clock passes its timeout, and not before', async () => {
      const clock = install();
      const ref = track(await Clocked.start([]));
      let settled = false;
      const call = GenServer.call(ref, 'ignore', undefined, 10_000).finally(() => (settled = true));
      const rejection = rejectionOf(call);
      await clock.tickAsync(9_999);
      expect(settled).to.equal(false);
      await clock.tickAsync(1);
      const error = await rejection;
      expect(error).to.be.instanceOf(CallTimeoutError);
      expect(error).to.include({ timeout: 10_000, tag: 'ignore' });
      expect(GenServer.isAlive(ref)).to.equal(true);
    });

    it('the default 5000 ms call timeout follows the fake clock too', async () => {
      const clock = install();
      const ref = track(await Clocked.start([]));
      const rejection = rejectionOf(GenServer.call(ref, 'ignore'));
      await clock.tickAsync(5_000);
      expect(await rejection).to.be.instanceOf(CallTimeoutError);
    });

    it('a call made right after a synchronous clock.tick() gets its whole timeout', async () => {
      const clock = install();
      const ref = track(await Clocked.start([]));
      const first = rejectionOf(GenServer.call(ref, 'ignore', undefined, 100));
      clock.tick(99);
      let settled = false;
      const second = rejectionOf(GenServer.call(ref, 'ignore', undefined, 100).finally(() => (settled = true)));
      await clock.tickAsync(1);
      expect(await first).to.be.instanceOf(CallTimeoutError);
      await clock.tickAsync(98);
      expect(settled).to.equal(false);
      await clock.tickAsync(1);
      expect(await second).to.be.instanceOf(CallTimeoutError);
    });

    it('a start timeout follows the fake clock: StartTimeoutError, and nothing left running', async () => {
      const clock = install();
      const starting = rejectionOf(Slow.start(60_000, { timeout: 1_000, name: 'fake_slow' }));
      await clock.tickAsync(1_000);
      expect(await starting).to.be.instanceOf(StartTimeoutError);
      expect(GenServer.whereis('fake_slow')).to.equal(undefined);
    });

    it('a stop timeout follows the fake clock: StopTimeoutError while terminate goes on', async () => {
      const clock = install();
      const starting = Slow.start(10);
      await clock.tickAsync(10);
      const ref = track(await starting);
      await GenServer.replaceState(ref, () => 60_000);
      const stopping = rejectionOf(GenServer.stop(ref, 'shutdown', 2_000));
      await clock.tickAsync(2_000);
      expect(await stopping).to.be.instanceOf(StopTimeoutError);
      expect(GenServer.isAlive(ref)).to.equal(true);
      await clock.tickAsync(58_000);
      await GenServer.awaitExit(ref);
    });

    it("a supervisor's restart window (maxSeconds) is measured on the fake clock", async () => {
      const clock = install();
      const sup = track(await Supervisor.start([Crasher], { maxRestarts: 1, maxSeconds: 5 }));
      const crashOnce = async (): Promise<void> => {
        const [child] = Supervisor.whichChildren(sup);
        GenServer.cast(child!.ref as never, 'crash');
        await clock.tickAsync(0);
      };
      await crashOnce();
      await clock.tickAsync(6_000); // the first restart leaves the window
      await crashOnce();
      expect(GenServer.isAlive(sup)).to.equal(true);
      await crashOnce(); // two restarts within 5 s of fake time: too many
      await GenServer.awaitExit(sup);
    });

    it('the run queue never waits for the fake clock: 100 000 casts drain without a tick', async () => {
      install();
      const ref = track(await Clocked.start([]));
      for (let n = 1; n <= 100_000; n++) GenServer.cast(ref, 'work', n);
      const events = (await GenServer.call(ref, 'events', undefined, Infinity)) as string[];
      expect(events).to.have.length(10);
      expect(events.at(-1)).to.equal('work 100000');
    });

    it('a drain of slow handlers, which must yield to the event loop, still finishes (the yield is never faked)', async () => {
      const ref = track(await Clocked.start([]));
      await sleep(5); // a fresh event-loop turn: the scheduler's next yield is armed under the fake clock
      install();
      // 50 handlers of 1 ms of real time: many 4 ms slices, so the scheduler yields again and again.
      const started = Date.now();
      for (let n = 0; n < 50; n++) GenServer.cast(ref, 'burn', 1);
      expect(await GenServer.call(ref, 'events', undefined, Infinity)).to.have.length(50);
      expect(Date.now()).to.equal(started); // the fake clock never moved
    });

    it('cancels a timer armed before the fake clock was installed', async () => {
      const ref = track(await Clocked.start([]));
      await GenServer.call(ref, 'later', 30);
      install();
      expect(await GenServer.call(ref, 'cancel')).to.equal(true);
      clock!.uninstall();
      clock = undefined;
      await sleep(60);
      expect(await GenServer.call(ref, 'events')).to.deep.equal([]);
    });

    it('after the fake clock is removed, deadlines it armed give way to real ones', async () => {
      const ref = track(await Clocked.start([]));
      install();
      const faked = rejectionOf(GenServer.call(ref, 'ignore', undefined, 40));
      await clock!.tickAsync(40);
      expect(await faked).to.be.instanceOf(CallTimeoutError);
      const pending = GenServer.call(ref, 'ignore', undefined, 40).catch((error: unknown) => error);
      clock!.uninstall();
      clock = undefined;
      // Same timeout, now on real time: its list must not keep the dead fake timer.
      const real = await rejectionOf(GenServer.call(ref, 'ignore', undefined, 40));
      expect(real).to.be.instanceOf(CallTimeoutError);
      // The call left pending on the removed fake clock is given up with the server.
      await GenServer.stop(ref);
      expect(await pending).to.not.equal(undefined);
    });
  });
