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
});
