import { expect } from 'chai';
import { BadReturnError, GenServer, handleCall, handleCast, init, noreply, reply, type NoReply, type Reply } from '../lib';
import { captureLogs, gate, trackServers } from './support/helpers';

// noreply(state) and reply(value, state) fill in a reusable object of the running server instead of
// allocating (see `lent` in lib/returns.ts). These specs pin down that no handler can tell.

class Child extends GenServer<string> {
  @init
  setup(name: string) {
    return noreply(`child ${name}`);
  }

  @handleCall('get')
  get(_: void, s: string) {
    return reply(s, s);
  }
}

/** An async init that makes its result before any await: read only once its promise settles. */
class AsyncChild extends GenServer<string> {
  @init
  async setup(name: string) {
    return noreply(`async child ${name}`);
  }

  @handleCall('get')
  get(_: void, s: string) {
    return reply(s, s);
  }
}

class Keeper extends GenServer<{ n: number; child?: unknown }> {
  kept: NoReply<unknown> | Reply<unknown, unknown> | undefined;

  @handleCall('get')
  get(_: void, s: { n: number }) {
    return reply(s.n, s);
  }

  /** Two results made, the first one returned. */
  @handleCast('first of two')
  firstOfTwo(n: number, s: { n: number }) {
    const first = noreply({ ...s, n });
    noreply({ ...s, n: -1 });
    return first;
  }

  @handleCall('reply first of two')
  replyFirstOfTwo(n: number, s: { n: number }) {
    const first = reply(`first ${n}`, { ...s, n });
    reply('second', { ...s, n: -1 });
    return first;
  }

  /** An async handler that makes its result before its first await. */
  @handleCall('async early')
  async asyncEarly(arg: { n: number; wait: Promise<void> }, s: { n: number }) {
    const result = reply(`async ${arg.n}`, { ...s, n: arg.n });
    await arg.wait;
    return result;
  }

  /** Child.startLink runs the child's init right here, inside this handler's synchronous stretch. */
  @handleCall('start child')
  async startChild(name: string, s: { n: number }) {
    const started = Child.startLink(name);
    const result = reply(started, { ...s, n: s.n + 1 });
    await started;
    return result;
  }

  /** A synchronous handler that starts a child with an async init, then goes on with its own messages. */
  @handleCast('spawn')
  spawn(name: string, s: { n: number; child?: unknown }) {
    return noreply({ ...s, child: AsyncChild.startLink(name) });
  }

  @handleCall('child')
  child(_: void, s: { n: number; child?: unknown }) {
    return reply(s.child, s);
  }

  @handleCast('keep')
  keep(n: number, s: { n: number }) {
    this.kept = noreply({ ...s, n });
    return noreply({ ...s, n: n + 1 });
  }

  @handleCast('return kept')
  returnKept(_: void, _s: { n: number }) {
    return this.kept as NoReply<{ n: number }>;
  }
}

describe('results reused by the running server', () => {
  const track = trackServers();
  const logs = captureLogs();

  it('applies the result a handler returns when it made two (noreply and reply)', async () => {
    const ref = track(await Keeper.start({ n: 0 }));
    GenServer.cast(ref, 'first of two', 7);
    expect(await GenServer.call(ref, 'get')).to.equal(7);
    expect(await GenServer.call(ref, 'reply first of two', 9)).to.equal('first 9');
    expect(await GenServer.call(ref, 'get')).to.equal(9);
  });

  it('keeps an async handler’s early result intact while other servers and messages run', async () => {
    const ref = track(await Keeper.start({ n: 0 }));
    const other = track(await Keeper.start({ n: 100 }));
    const wait = gate();
    const early = GenServer.call(ref, 'async early', { n: 5, wait: wait.promise });
    const queued = GenServer.call(ref, 'get');
    for (let i = 0; i < 10; i++) GenServer.cast(other, 'first of two', i);
    expect(await GenServer.call(other, 'get')).to.equal(9);
    wait.open();
    expect(await early).to.equal('async 5');
    expect(await queued).to.equal(5);
  });

  it('gives an init run from a handler (startLink) its own result, not the handler’s', async () => {
    const ref = track(await Keeper.start({ n: 0 }));
    const child = track(await ((await GenServer.call(ref, 'start child', 'a')) as ReturnType<typeof Child.start>));
    expect(await GenServer.call(ref, 'get')).to.equal(1);
    expect(await GenServer.call(child, 'get')).to.equal('child a');
  });

  it('gives an async init run from a handler its own result while that handler’s server goes on', async () => {
    const ref = track(await Keeper.start({ n: 0 }));
    GenServer.cast(ref, 'spawn', 'b');
    for (let i = 0; i < 5; i++) GenServer.cast(ref, 'first of two', i);
    const child = track(await ((await GenServer.call(ref, 'child')) as ReturnType<typeof AsyncChild.start>));
    expect(await GenServer.call(child, 'get')).to.equal('async child b');
    expect(await GenServer.call(ref, 'get')).to.equal(4);
  });

  it('crashes with BadReturnError, rather than applying another state, when a handler returns a result kept from an earlier message', async () => {
    const ref = track(await Keeper.start({ n: 0 }));
    GenServer.cast(ref, 'keep', 1);
    expect(await GenServer.call(ref, 'get')).to.equal(2);
    GenServer.cast(ref, 'return kept');
    const reason = await GenServer.awaitExit(ref);
    expect(reason).to.be.instanceOf(BadReturnError);
    expect(logs.some((l) => l.level === 'error')).to.equal(true);
  });
});
