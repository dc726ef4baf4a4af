import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import {
  ArgumentError,
  BadReturnError,
  GenServer,
  ServerExitError,
  StartTimeoutError,
  handleCall,
  handleCast,
  handleInfo,
  init,
  noreply,
  reply,
  terminate,
  type ServerRef,
} from '../lib';
import { captureLogs, gate, rejectionOf, sleep, trackServers, type Gate } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

interface Idle {
  /** Shared with the test: what the server did, in order. */
  events: string[];
  /** Opened by the first timeout. */
  timedOut: Gate;
  /** A timeout for init to return, if any. */
  initTimeout?: number;
}

const idle = (initTimeout?: number): Idle => ({ events: [], timedOut: gate(), initTimeout });

class Idler extends GenServer<Idle> {
  @init
  setup(s: Idle) {
    return s.initTimeout === undefined ? s : noreply(s, { timeout: s.initTimeout });
  }

  @handleCall('arm')
  arm(ms: number, s: Idle) {
    s.events.push('arm');
    return reply('armed', s, { timeout: ms });
  }

  @handleCast('arm')
  armQuietly(ms: unknown, s: Idle) {
    return noreply(s, { timeout: ms as number });
  }

  @handleCall('poke')
  pokeCall(_: void, s: Idle) {
    s.events.push('poke');
    return reply('poked', s);
  }

  @handleCast('poke')
  pokeCast(_: void, s: Idle) {
    s.events.push('poke');
    return noreply(s);
  }

  @handleInfo('poke')
  pokeInfo(_: void, s: Idle) {
    s.events.push('poke');
    return noreply(s);
  }

  @handleCast('slow')
  async slow(ms: number, s: Idle) {
    await sleep(ms);
    s.events.push('slow');
    return noreply(s);
  }

  @handleCall('monitor')
  watch(target: ServerRef, s: Idle) {
    this.monitor(target);
    return reply('watching', s);
  }

  @handleInfo('DOWN')
  down(_: unknown, s: Idle) {
    s.events.push('DOWN');
    return noreply(s);
  }

  @handleInfo('timeout')
  timeout(_: void, s: Idle) {
    s.events.push('timeout');
    s.timedOut.open();
    return noreply(s);
  }
}

let slowStarterTerminated = 0;

/** Its init waits for a gate and shows the test its own ref; it counts the times terminate ran. */
class SlowStarter extends GenServer<null> {
  @init
  async setup(arg: { until: Promise<void>; self?: ServerRef }) {
    arg.self = this.self;
    await arg.until;
    return null;
  }

  @terminate
  cleanup() {
    slowStarterTerminated++;
  }
}

/** How many timers are keeping the Node process alive right now. */
async function liveTimers(): Promise<number> {
  // The library drops an empty call-deadline list with its timer a turn later, and other specs'
  // timers may end meanwhile: read until two turns agree.
  const count = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  let last = -1;
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const n = count();
    if (n === last) return n;
    last = n;
  }
}

const HOUR = 3_600_000;

// ---- specs ------------------------------------------------------------------------------------

describe('the { timeout: ms } return option', () => {
  const track = trackServers();
  captureLogs();

  it("delivers @handleInfo('timeout') after ms without a message, and not before", async () => {
    const s = idle();
    const ref = track(await Idler.start(s));
    const armedAt = performance.now();
    await GenServer.call(ref, 'arm', 50);
    await s.timedOut.promise;
    // A lower bound only (a timer may run late, never early; 2 ms for clock rounding).
    expect(performance.now() - armedAt).to.be.at.least(48);
    expect(s.events).to.deep.equal(['arm', 'timeout']);
  });

  it('works from init through noreply(state, { timeout })', async () => {
    const s = idle(10);
    track(await Idler.start(s));
    await s.timedOut.promise;
    expect(s.events).to.deep.equal(['timeout']);
  });

  it('with 0, delivers the timeout as soon as the server is idle', async () => {
    const s = idle();
    const ref = track(await Idler.start(s));
    await GenServer.call(ref, 'arm', 0);
    await s.timedOut.promise;
    expect(s.events).to.deep.equal(['arm', 'timeout']);
  });

  for (const kind of ['call', 'cast', 'send'] as const) {
    it(`is cancelled by any message: a ${kind}`, async () => {
      const s = idle();
      const ref = track(await Idler.start(s));
      await GenServer.call(ref, 'arm', 40);
      if (kind === 'call') await GenServer.call(ref, 'poke');
      else if (kind === 'cast') GenServer.cast(ref, 'poke');
      else GenServer.send(ref, 'poke');
      await sleep(120);
      expect(s.events).to.deep.equal(['arm', 'poke']);
    });
  }

  it('is cancelled by a DOWN message too', async () => {
    const s = idle();
    const ref = track(await Idler.start(s));
    const target = track(await Idler.start(idle()));
    await GenServer.call(ref, 'monitor', target);
    await GenServer.call(ref, 'arm', 40);
    await GenServer.stop(target);
    await sleep(120);
    expect(s.events).to.deep.equal(['arm', 'DOWN']);
  });

  it('is not armed when a message is already queued: it would be handled at once', async () => {
    const s = idle();
    const ref = track(await Idler.start(s));
    const armed = GenServer.call(ref, 'arm', 10);
    GenServer.cast(ref, 'slow', 60); // queued before 'arm' returns, and outlasts its 10 ms
    await armed;
    await sleep(150);
    expect(s.events).to.deep.equal(['arm', 'slow']);
  });

  it('with Infinity, never delivers a timeout', async () => {
    const s = idle();
    const ref = track(await Idler.start(s));
    await GenServer.call(ref, 'arm', Infinity);
    await sleep(60);
    expect(s.events).to.deep.equal(['arm']);
  });

  it('dies with the server: no timer is left behind after a stop', async () => {
    const ref = track(await Idler.start(idle()));
    const before = await liveTimers();
    await GenServer.call(ref, 'arm', HOUR); // left behind, it would keep mocha (no --exit) from ending
    expect(await liveTimers()).to.equal(before + 1);
    await GenServer.stop(ref);
    expect(await liveTimers()).to.equal(before);
  });

  for (const bad of [-1, NaN, '10']) {
    it(`is a bad return with ${String(bad)} (${typeof bad}): the server crashes with BadReturnError`, async () => {
      const ref = track(await Idler.start(idle()));
      const exited = GenServer.awaitExit(ref);
      GenServer.cast(ref, 'arm', bad);
      const reason = await exited;
      expect(reason).to.be.instanceOf(BadReturnError).and.to.include({ handler: 'Idler.armQuietly', tag: 'arm' });
      expect((reason as Error).message).to.contain('timeout');
    });
  }
});

describe('the start option `timeout`', () => {
  const track = trackServers();
  captureLogs();

  it('rejects start with StartTimeoutError when init outlasts it; the half-started server is gone', async () => {
    const terminatedBefore = slowStarterTerminated;
    const until = gate();
    const arg: { until: Promise<void>; self?: ServerRef } = { until: until.promise };
    const starting = SlowStarter.start(arg, { name: 'slow_starter', timeout: 30 });
    const early = GenServer.call('slow_starter', 'anything'); // reached it while it was starting
    const error = await rejectionOf(starting);
    expect(error).to.be.instanceOf(StartTimeoutError).and.to.include({ server: SlowStarter, timeout: 30 });
    expect((error as Error).message)
      .to.contain('SlowStarter')
      .and.to.contain('30 ms');
    expect(GenServer.whereis('slow_starter')).to.equal(undefined);
    expect(GenServer.isAlive(arg.self!)).to.equal(false);
    expect(await rejectionOf(early)).to.be.instanceOf(ServerExitError);

    // When init finally finishes, nothing comes back to life, and the name can be taken again.
    until.open();
    await sleep(10);
    expect(GenServer.isAlive(arg.self!)).to.equal(false);
    expect(slowStarterTerminated, 'terminate runs for a server killed during init').to.equal(terminatedBefore);
    const again = track(await SlowStarter.start({ until: Promise.resolve() }, { name: 'slow_starter' }));
    expect(GenServer.whereis('slow_starter')).to.equal(again);
  });

  it('resolves as usual when init finishes in time', async () => {
    const ref = track(await SlowStarter.start({ until: sleep(5) }, { timeout: 5000 }));
    expect(GenServer.isAlive(ref)).to.equal(true);
  });

  for (const bad of [-1, 'soon', NaN]) {
    it(`rejects ${String(bad)} (${typeof bad}) with ArgumentError, starting nothing`, async () => {
      const error = await rejectionOf(SlowStarter.start({ until: Promise.resolve() }, { name: 'never_started', timeout: bad as number }));
      expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: 'options.timeout' });
      expect(GenServer.whereis('never_started')).to.equal(undefined);
    });
  }
});
