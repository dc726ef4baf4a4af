import { expect } from 'chai';
import { GenServer, handleCall, handleCast, noreply, reply } from '../lib';
import { trackServers } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

/** Each cast costs `busyMs` of CPU: a server with a long queue of them keeps the thread busy. */
class Worker extends GenServer<number> {
  @handleCast('work')
  work(busyMs: number, handled: number) {
    const until = performance.now() + busyMs;
    while (performance.now() < until) {
      // burn CPU, as a slow handler would
    }
    return noreply(handled + 1);
  }

  /** A call that costs `busyMs` of CPU, for a caller that keeps a server busy one call at a time. */
  @handleCall('workCall')
  workCall(busyMs: number, handled: number) {
    burn(busyMs);
    return reply(null, handled + 1);
  }

  @handleCall('handled')
  handled(_: void, handled: number) {
    return reply(handled, handled);
  }

  /** How many messages `other` had handled at the moment this server got to this call. */
  @handleCall('peek')
  peek(other: Parameters<typeof GenServer.info>[0], handled: number) {
    return reply(GenServer.info(other).handled, handled);
  }
}

/** Holds the thread for `ms`: a lower bound on the wall time it takes, however loaded the machine. */
function burn(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // burn CPU
  }
}

/**
 * Other code that fills every event-loop turn: `count` timers re-arming themselves, each burning
 * `burnMs`. Every `count`-th callback (one per round of them, so once a turn) records `sample()`.
 * Resolves to the samples' per-round differences once `rounds` rounds have fired.
 */
function busyTurns(count: number, burnMs: number, rounds: number, sample: () => number): Promise<number[]> {
  return new Promise((resolve) => {
    const perRound: number[] = [];
    let fired = 0;
    let last = sample();
    const fire = (): void => {
      burn(burnMs);
      if (++fired % count === 0) {
        const now = sample();
        perRound.push(now - last);
        last = now;
        if (perRound.length === rounds) return resolve(perRound);
      }
      if (perRound.length < rounds) setTimeout(fire, 0);
    };
    for (let i = 0; i < count; i++) setTimeout(fire, 0);
  });
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const handledBy = (ref: Parameters<typeof GenServer.info>[0]): number => GenServer.info(ref).handled;

// ---- specs ------------------------------------------------------------------------------------

describe('the scheduler', () => {
  const track = trackServers();

  it('answers a call to an idle server without waiting for an event-loop turn', async () => {
    const ref = track(await Worker.start(0));
    let turned = false;
    setImmediate(() => (turned = true));
    await GenServer.call(ref, 'handled');
    expect(turned).to.equal(false);
    await GenServer.stop(ref);
  });

  it('lets timers run while a server works through a long mailbox', async () => {
    const ref = track(await Worker.start(0));
    const casts = 400; // 400 × 0.5 ms = 200 ms of work, far more than one 4 ms slice
    for (let i = 0; i < casts; i++) GenServer.cast(ref, 'work', 0.5);
    const handledWhenTimerFired = await new Promise<number>((resolve) => setTimeout(() => resolve(handledBy(ref)), 0));
    expect(handledWhenTimerFired).to.be.below(casts / 2);
    expect(await GenServer.call(ref, 'handled', undefined, 10_000)).to.equal(casts);
    await GenServer.stop(ref);
  });

  it('lets other servers take turns while one drains a long mailbox', async () => {
    const busy = track(await Worker.start(0));
    const idle = track(await Worker.start(0));
    const casts = 20_000;
    for (let i = 0; i < casts; i++) GenServer.cast(busy, 'work', 0);
    const busyHadHandled = await GenServer.call(idle, 'peek', busy);
    expect(busyHadHandled).to.be.below(casts);
    expect(await GenServer.call(busy, 'handled', undefined, 10_000)).to.equal(casts);
    await Promise.all([GenServer.stop(busy), GenServer.stop(idle)]);
  });

  it('gives the run queue at least as much of each turn as other code took, while timer callbacks fill the turns', async () => {
    // 10 unrelated timers burn 2 ms each per turn: 20 ms of other code in every turn. A caller keeps
    // one server busy with calls of 0.05 ms. The count is of calls answered per turn (a timer samples
    // it once per round): a fixed 4 ms slice answers at most ~80 of them per turn; a fair one, which
    // adds the 20 ms that other code took, ~480. Both sides of the comparison are busy-waits, so a
    // loaded machine stretches them alike.
    const ref = track(await Worker.start(0));
    let done = false;
    let answered = 0;
    const caller = (async () => {
      while (!done) {
        await GenServer.call(ref, 'workCall', 0.05);
        answered++;
      }
    })();
    const perTurn = await busyTurns(10, 2, 12, () => answered);
    done = true;
    await caller;
    // The first rounds start the timers and the caller; the rest are steady.
    expect(median(perTurn.slice(2)), `calls answered per turn: ${perTurn.join(' ')}`).to.be.at.least(200);
    await GenServer.stop(ref);
  });

  it('still yields to other code on a busy loop: every turn runs its timers', async () => {
    // The same busy loop: the servers' larger share must not swallow the turns. Each round of the
    // 10 timers is one turn; with the run queue never empty, 12 rounds still come.
    const ref = track(await Worker.start(0));
    let done = false;
    const caller = (async () => {
      while (!done) await GenServer.call(ref, 'workCall', 0.05);
    })();
    const perTurn = await busyTurns(10, 2, 12, () => handledBy(ref));
    done = true;
    await caller;
    expect(perTurn).to.have.length(12);
    expect(Math.max(...perTurn), `messages handled per turn: ${perTurn.join(' ')}`).to.be.below(2000);
    await GenServer.stop(ref);
  });

  it('lets timers fire while a caller awaits one call after another (a microtask-only loop)', async () => {
    const ref = track(await Worker.start(0));
    let fired = false;
    setTimeout(() => (fired = true), 0);
    let calls = 0;
    while (!fired) {
      await GenServer.call(ref, 'handled');
      calls++;
    }
    expect(calls).to.be.above(0);
    await GenServer.stop(ref);
  });
});
