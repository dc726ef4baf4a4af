import { AssertionError } from 'node:assert';
import * as FakeTimers from '@sinonjs/fake-timers';
import { expect } from 'chai';
import {
  ArgumentError,
  AlreadyStartedError,
  ChildNotFoundError,
  ChildStartError,
  DuplicateChildError,
  GenServer,
  GenServerError,
  consoleLogger,
  handleCall,
  handleCast,
  init,
  noreply,
  reply,
  setLogger,
  terminate,
  type ServerRef,
} from '../lib';
import {
  captureLogs,
  cleanup,
  mochaHooks,
  onExit,
  rejectionOf,
  startLogCapture,
  startProbe,
  startSupervised,
  stopSupervised,
  type LogCapture,
  type LogEntry,
} from '../lib/testing';
import { sleep } from './support/helpers';

// Real time, while fake timers replace performance.now().
const realNow = performance.now.bind(performance);

// ---- fixtures ---------------------------------------------------------------------------------

/** What the fixture servers did, in order. */
const events: string[] = [];

interface Arg {
  id: string;
  /** What terminate does: nothing (default), or wait for a (possibly fake) timer of this many ms. */
  terminateMs?: number;
  failInit?: boolean;
}

class Worker extends GenServer<Arg> {
  @init
  setup(arg: Arg) {
    if (arg.failInit) throw new Error(`init of ${arg.id} failed`);
    events.push(`start ${arg.id}`);
    return arg;
  }

  @handleCall('id')
  id(_: void, arg: Arg) {
    return reply(arg.id, arg);
  }

  @handleCast('crash')
  crash(): never {
    throw new Error('crashed on purpose');
  }

  @handleCast('notify')
  notify(to: ServerRef, arg: Arg) {
    GenServer.send(to, 'hello', arg.id);
    return noreply(arg);
  }

  @terminate
  async cleanup(reason: unknown, arg: Arg) {
    if (arg.terminateMs !== undefined) await new Promise((resolve) => setTimeout(resolve, arg.terminateMs));
    events.push(`stop ${arg.id} ${String(reason)}`);
  }
}

// ---- specs ------------------------------------------------------------------------------------

// These specs call cleanup() themselves, to look at what it did; the runner's afterEach (registered
// by the kit) then finds nothing left.
describe('startSupervised()', () => {
  beforeEach(() => (events.length = 0));
  let capture: LogCapture | undefined;
  beforeEach(() => (capture = startLogCapture()));
  afterEach(() => capture?.stop());

  it('starts a class, [Class, arg] or a child spec under a supervisor, and resolves to a working ref', async () => {
    const a = await startSupervised([Worker, { id: 'a' }]);
    const b = await startSupervised({ id: 'b', start: () => Worker.startLink({ id: 'b' }) });
    expect(await GenServer.call(a, 'id')).to.equal('a');
    expect(await GenServer.call(b, 'id')).to.equal('b');
    await cleanup();
  });

  it('stops the servers after the test in reverse start order, with reason shutdown', async () => {
    await startSupervised([Worker, { id: 'first' }]);
    await startSupervised([Worker, { id: 'second' }], { id: 'second' });
    await startSupervised([Worker, { id: 'third' }], { id: 'third' });
    await cleanup();
    expect(events).to.deep.equal([
      'start first',
      'start second',
      'start third',
      'stop third shutdown',
      'stop second shutdown',
      'stop first shutdown',
    ]);
  });

  it('frees a named server for the next test', async () => {
    const ref = await startSupervised({ id: 'named', start: () => Worker.startLink({ id: 'n' }, { name: 'kit_named' }) });
    expect(GenServer.whereis('kit_named')).to.equal(ref);
    await cleanup();
    expect(GenServer.whereis('kit_named')).to.equal(undefined);
    const again = await startSupervised({ id: 'named', start: () => Worker.startLink({ id: 'n' }, { name: 'kit_named' }) });
    expect(GenServer.whereis('kit_named')).to.equal(again);
    await cleanup();
  });

  it('restarts a server that crashes during the test, like any supervisor', async () => {
    const ref = await startSupervised({ id: 'r', start: () => Worker.startLink({ id: 'r' }, { name: 'kit_restarted' }) });
    GenServer.cast(ref, 'crash');
    await GenServer.awaitExit(ref);
    while (GenServer.whereis('kit_restarted') === undefined) await sleep(1);
    expect(GenServer.whereis('kit_restarted')).to.not.equal(ref);
    await cleanup();
    expect(GenServer.whereis('kit_restarted')).to.equal(undefined);
  });

  it('kills a server whose terminate outlasts its shutdown, in real time, even when fake timers never move', async function () {
    this.timeout(5000);
    const clock = FakeTimers.install();
    try {
      const ref = await startSupervised([Worker, { id: 'stuck', terminateMs: 60_000 }], { shutdown: 50 });
      const started = realNow();
      await cleanup();
      expect(GenServer.isAlive(ref)).to.equal(false);
      expect(realNow() - started).to.be.below(2000);
      expect(events).to.not.include('stop stuck shutdown');
    } finally {
      clock.uninstall();
    }
  });

  it('takes { id } to start a second server of one class; the same id twice rejects with DuplicateChildError', async () => {
    await startSupervised([Worker, { id: 'x' }]);
    const error = await rejectionOf(startSupervised([Worker, { id: 'y' }]));
    expect(error).to.be.instanceOf(DuplicateChildError);
    const other = await startSupervised([Worker, { id: 'y' }], { id: 'Worker2' });
    expect(await GenServer.call(other, 'id')).to.equal('y');
    await cleanup();
  });

  it('rejects with ChildStartError when the server fails to start', async () => {
    const error = await rejectionOf(startSupervised([Worker, { id: 'bad', failInit: true }]));
    expect(error).to.be.instanceOf(ChildStartError);
    expect((error as ChildStartError).id).to.equal('Worker');
    await cleanup();
  });

  it('rejects with a GenServerError when the child is ignored (no server to return)', async () => {
    const error = await rejectionOf(startSupervised({ id: 'ignored', start: () => Promise.resolve(undefined) }));
    expect(error).to.be.instanceOf(GenServerError);
    expect((error as Error).message).to.include("child 'ignored' was ignored");
    await cleanup();
  });

  it('throws ArgumentError for a spec or an option it cannot use', async () => {
    expect(await rejectionOf(startSupervised(42 as never))).to.be.instanceOf(ArgumentError);
    expect(await rejectionOf(startSupervised(Worker, { name: 'x' } as never))).to.be.instanceOf(ArgumentError);
    expect(await rejectionOf(startSupervised(Worker, { shutdown: -1 }))).to.be.instanceOf(ArgumentError);
    await cleanup();
  });
});

describe('stopSupervised()', () => {
  beforeEach(() => (events.length = 0));
  let capture: LogCapture | undefined;
  beforeEach(() => (capture = startLogCapture()));
  afterEach(() => capture?.stop());

  it('stops one supervised server by id, which is not restarted', async () => {
    const ref = await startSupervised([Worker, { id: 's' }]);
    await stopSupervised('Worker');
    expect(GenServer.isAlive(ref)).to.equal(false);
    expect(events).to.deep.equal(['start s', 'stop s shutdown']);
    await cleanup();
    expect(events).to.have.length(2);
  });

  it('rejects with ChildNotFoundError for an id it did not start', async () => {
    expect(await rejectionOf(stopSupervised('nope'))).to.be.instanceOf(ChildNotFoundError);
    await cleanup();
  });
});

describe('onExit() and cleanup()', () => {
  beforeEach(() => (events.length = 0));
  let capture: LogCapture | undefined;
  beforeEach(() => (capture = startLogCapture()));
  afterEach(() => capture?.stop());

  it('runs the callbacks in reverse order, after the supervised servers have stopped', async () => {
    onExit(() => events.push('exit 1'));
    await startSupervised([Worker, { id: 'w' }]);
    onExit(async () => {
      await sleep(1);
      events.push('exit 2');
    });
    await cleanup();
    expect(events).to.deep.equal(['start w', 'stop w shutdown', 'exit 2', 'exit 1']);
  });

  it('runs every callback even when one throws, then rejects with that error', async () => {
    onExit(() => events.push('ran'));
    onExit(() => {
      throw new Error('callback failed');
    });
    const error = await rejectionOf(cleanup());
    expect((error as Error).message).to.equal('callback failed');
    expect(events).to.deep.equal(['ran']);
  });

  it('rejects with an AggregateError when several callbacks throw', async () => {
    onExit(() => Promise.reject(new Error('one')));
    onExit(() => Promise.reject(new Error('two')));
    const error = await rejectionOf(cleanup());
    expect(error).to.be.instanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).to.deep.equal(['two', 'one']);
  });

  it('does nothing the second time', async () => {
    onExit(() => events.push('once'));
    await cleanup();
    await cleanup();
    expect(events).to.deep.equal(['once']);
  });

  it("mochaHooks, for .mocharc's require, runs cleanup after each test", () => {
    expect(mochaHooks).to.deep.equal({ afterEach: cleanup });
  });

  it('throws a TypeError for a callback that is not a function', () => {
    expect(() => onExit('nope' as never)).to.throw(TypeError, 'Expected `fn` to be a function');
  });
});

describe('captureLogs()', () => {
  afterEach(cleanup);

  it('resolves to what the library logged while fn ran, and puts the previous logger back', async () => {
    const ref = await Worker.start({ id: 'c' });
    const logs = await captureLogs(async () => {
      GenServer.cast(ref, 'crash');
      await GenServer.awaitExit(ref);
    });
    expect(logs.map((l) => l.level)).to.deep.equal(['error']);
    expect(logs[0]!.message).to.include('crashed on purpose');
    expect(logs[0]!.details).to.include({ server: ref });
    expect(setLogger(consoleLogger)).to.equal(consoleLogger);
  });

  it('puts the previous logger back when fn throws, and rejects with its error', async () => {
    const error = await rejectionOf(
      captureLogs(() => {
        throw new Error('fn failed');
      }),
    );
    expect((error as Error).message).to.equal('fn failed');
    expect(setLogger(consoleLogger)).to.equal(consoleLogger);
  });

  it('nests: an inner capture takes its own lines, the outer one the rest', async () => {
    const ref = await Worker.start({ id: 'n' });
    const outer = await captureLogs(async () => {
      GenServer.cast(ref, 'unknown-cast');
      await GenServer.call(ref, 'id');
      const inner = await captureLogs(async () => {
        GenServer.cast(ref, 'crash');
        await GenServer.awaitExit(ref);
      });
      expect(inner.map((l) => l.level)).to.deep.equal(['error']);
    });
    expect(outer.map((l) => l.level)).to.deep.equal(['warn']);
  });

  it('startLogCapture(entries) appends to the given array until stop()', async () => {
    const entries: LogEntry[] = [];
    const capture = startLogCapture(entries);
    const ref = await Worker.start({ id: 'l' });
    GenServer.cast(ref, 'unknown-cast');
    await GenServer.call(ref, 'id');
    expect(capture.stop()).to.equal(entries);
    expect(entries.map((l) => l.level)).to.deep.equal(['warn']);
    expect(capture.stop()).to.equal(entries); // idempotent
    await GenServer.stop(ref);
  });
});

describe('startProbe()', () => {
  afterEach(cleanup);

  it('records casts, infos and calls; assertReceive takes the first one with the tag', async () => {
    const probe = await startProbe();
    GenServer.cast(probe.ref, 'greet', 'ann');
    GenServer.send(probe.ref, 'tick', 1);
    GenServer.send(probe.ref, 'tick', 2);
    expect(await probe.assertReceive('tick')).to.include({ kind: 'info', tag: 'tick', payload: 1 });
    expect(await probe.assertReceive('greet')).to.include({ kind: 'cast', payload: 'ann' });
    expect((await probe.assertReceive('tick')).payload).to.equal(2);
    expect(probe.mailbox).to.deep.equal([]);
    expect(probe.received.map((m) => m.tag)).to.deep.equal(['greet', 'tick', 'tick']);
  });

  it('waits for a message that arrives later, from another server', async () => {
    const probe = await startProbe();
    const ref = await startSupervised([Worker, { id: 'sender' }]);
    const received = probe.assertReceive('hello', 1000);
    GenServer.cast(ref, 'notify', probe.ref);
    expect((await received).payload).to.equal('sender');
  });

  it('hands calls to the test, which answers with GenServer.reply', async () => {
    const probe = await startProbe();
    const answer = GenServer.call(probe.ref, 'lookup', 'k');
    const { from, payload } = await probe.assertReceive('lookup');
    expect(payload).to.equal('k');
    GenServer.reply(from!, 'v');
    expect(await answer).to.equal('v');
  });

  it('with { match }, takes only a message whose payload passes', async () => {
    const probe = await startProbe();
    GenServer.send(probe.ref, 'n', 1);
    GenServer.send(probe.ref, 'n', 2);
    expect((await probe.assertReceive('n', { match: (p) => p === 2 })).payload).to.equal(2);
    expect(probe.mailbox.map((m) => m.payload)).to.deep.equal([1]);
  });

  it('assertReceive rejects with an AssertionError listing what was received, after the timeout', async () => {
    const probe = await startProbe();
    GenServer.cast(probe.ref, 'other', { n: 1 });
    await probe.assertReceive('other');
    GenServer.send(probe.ref, 'late', 'x');
    const error = await rejectionOf(probe.assertReceive('wanted', 20));
    expect(error).to.be.instanceOf(AssertionError);
    const message = (error as Error).message;
    expect(message).to.include("expected a message 'wanted' within 20 ms");
    expect(message).to.include("✓ cast 'other' { n: 1 }");
    expect(message).to.include("info 'late' 'x'");
  });

  it('assertReceive says so when nothing at all arrived', async () => {
    const probe = await startProbe();
    const error = await rejectionOf(probe.assertReceive('wanted', 5));
    expect((error as Error).message).to.include('but it received nothing');
  });

  it('refuteReceive resolves when no such message arrives within the timeout', async () => {
    const probe = await startProbe();
    GenServer.send(probe.ref, 'other');
    await probe.refuteReceive('unwanted', 20);
  });

  it('refuteReceive rejects with an AssertionError for a message in the mailbox or one that arrives, and leaves it there', async () => {
    const probe = await startProbe();
    GenServer.send(probe.ref, 'unwanted', 1);
    await probe.assertReceive('unwanted');
    const waiting = rejectionOf(probe.refuteReceive('unwanted', 1000));
    GenServer.send(probe.ref, 'unwanted', 2);
    const error = await waiting;
    expect(error).to.be.instanceOf(AssertionError);
    expect((error as Error).message).to.include("expected no message 'unwanted' within 1000 ms, but received info 'unwanted' 2");
    expect(await rejectionOf(probe.refuteReceive('unwanted'))).to.be.instanceOf(AssertionError);
    expect(probe.mailbox.map((m) => m.payload)).to.deep.equal([2]);
  });

  it('monitor() brings a DOWN message when the server exits', async () => {
    const probe = await startProbe();
    const ref = await Worker.start({ id: 'm' });
    const monitor = probe.monitor(ref);
    await GenServer.stop(ref);
    const { payload } = await probe.assertReceive('DOWN');
    expect(payload).to.deep.include({ monitor, ref, reason: 'normal' });
  });

  it('with { trapExits: true }, a linked server that exits arrives as EXIT', async () => {
    const probe = await startProbe({ trapExits: true });
    const ref = await Worker.start({ id: 'l' });
    probe.link(ref);
    await captureLogs(async () => {
      GenServer.cast(ref, 'crash');
      const { payload } = await probe.assertReceive('EXIT');
      expect((payload as { from: ServerRef }).from).to.equal(ref);
    });
  });

  it('with { name }, stands in for a named server; a taken name rejects with AlreadyStartedError', async () => {
    const probe = await startProbe({ name: 'kit_mailer' });
    GenServer.cast('kit_mailer', 'deliver', 'mail');
    expect((await probe.assertReceive('deliver')).payload).to.equal('mail');
    expect(await rejectionOf(startProbe({ name: 'kit_mailer' }))).to.be.instanceOf(AlreadyStartedError);
  });

  it('is stopped after the test, freeing its name', async () => {
    const probe = await startProbe({ name: 'kit_probe' });
    await cleanup();
    expect(GenServer.isAlive(probe.ref)).to.equal(false);
    expect(GenServer.whereis('kit_probe')).to.equal(undefined);
  });

  it('waits in real time under fake timers, so a missing message fails instead of hanging', async () => {
    const clock = FakeTimers.install();
    try {
      const probe = await startProbe();
      expect(await rejectionOf(probe.assertReceive('never', 10))).to.be.instanceOf(AssertionError);
      await probe.refuteReceive('never', 10);
    } finally {
      clock.uninstall();
    }
  });

  it('rejects with ArgumentError for a tag, timeout or match it cannot use', async () => {
    const probe = await startProbe();
    expect(await rejectionOf(probe.assertReceive(1 as never))).to.be.instanceOf(ArgumentError);
    expect(await rejectionOf(probe.assertReceive('t', -1))).to.be.instanceOf(ArgumentError);
    expect(await rejectionOf(probe.assertReceive('t', { match: 'x' as never }))).to.be.instanceOf(ArgumentError);
    expect(await rejectionOf(probe.refuteReceive('t', Infinity))).to.be.instanceOf(ArgumentError);
    expect(await rejectionOf(startProbe({ trapExits: 'yes' as never }))).to.be.instanceOf(ArgumentError);
  });
});

describe('rejectionOf()', () => {
  it('resolves to the rejection reason', async () => {
    const reason = new Error('no');
    expect(await rejectionOf(Promise.reject(reason))).to.equal(reason);
  });

  it('rejects with an AssertionError naming the value when the promise resolves', async () => {
    const error = await rejectionOf(rejectionOf(Promise.resolve({ ok: 1 })));
    expect(error).to.be.instanceOf(AssertionError);
    expect((error as Error).message).to.equal('expected the promise to reject, but it resolved to { ok: 1 }');
  });
});
