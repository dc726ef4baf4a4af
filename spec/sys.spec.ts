import { expect } from 'chai';
import {
  ArgumentError,
  CallingSelfError,
  GenServer,
  NoProcError,
  handleCall,
  handleCast,
  handleInfo,
  noreply,
  reply,
  terminate,
  type ServerRef,
} from '../lib';
import { captureLogs, gate, rejectionOf, sleep, trackServers } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

class Ledger extends GenServer<number> {
  /** What terminate waits for, if anything. */
  private holdTerminate: Promise<void> | undefined;

  @handleCall('add')
  add(n: number, total: number) {
    return reply(total + n, total + n);
  }

  @handleCast('add')
  addQuietly(n: number, total: number) {
    return noreply(total + n);
  }

  /** Adds `n` once `until` resolves: while it waits, the server is busy with this message. */
  @handleCall('slowAdd')
  async slowAdd({ n, until }: { n: number; until: Promise<void> }, total: number) {
    await until;
    return reply(total + n, total + n);
  }

  @handleInfo('tick')
  tick(_: void, total: number) {
    return noreply(total);
  }

  @handleCall('link')
  linkTo(target: ServerRef, total: number) {
    this.link(target);
    return reply('linked', total);
  }

  @handleCall('monitor')
  watch(target: ServerRef, total: number) {
    this.monitor(target);
    return reply('watching', total);
  }

  @handleCall('holdTerminate')
  hold(until: Promise<void>, total: number) {
    this.holdTerminate = until;
    return reply('held', total);
  }

  /** Replies with what getState or replaceState on itself rejected with. */
  @handleCall('inspectSelf')
  inspectSelf(how: 'getState' | 'replaceState', total: number) {
    const asking = how === 'getState' ? GenServer.getState(this.self) : GenServer.replaceState(this.self, (n: number) => n + 1);
    return asking.then(
      () => reply('no error', total),
      (error: unknown) => reply(error, total),
    );
  }

  @terminate
  async cleanup() {
    await this.holdTerminate;
  }
}

/** Tracks whether a promise has settled yet. */
function watchSettled(promise: Promise<unknown>): { readonly settled: boolean } {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

// ---- specs ------------------------------------------------------------------------------------

describe('introspection', () => {
  const track = trackServers();
  const logs = captureLogs();

  describe('GenServer.getState()', () => {
    it('resolves to the state', async () => {
      const ref = track(await Ledger.start(10));
      await GenServer.call(ref, 'add', 5);
      expect(await GenServer.getState(ref)).to.equal(15);
    });

    it('is served between two messages, never in the middle of an async handler', async () => {
      const ref = track(await Ledger.start(10));
      const until = gate();
      const adding = GenServer.call(ref, 'slowAdd', { n: 4, until: until.promise });
      await sleep(5); // the handler is now awaiting
      const state = GenServer.getState(ref);
      const progress = watchSettled(state);
      await sleep(20);
      expect(progress.settled, 'getState answered while the handler was awaiting').to.equal(false);
      until.open();
      expect(await state).to.equal(14);
      expect(await adding).to.equal(14);
    });

    it('rejects with NoProcError for a dead ref or a name nobody holds', async () => {
      const ref = await Ledger.start(0);
      await GenServer.stop(ref);
      expect(await rejectionOf(GenServer.getState(ref)))
        .to.be.instanceOf(NoProcError)
        .and.to.include({ server: ref });
      expect(await rejectionOf(GenServer.getState('nobody_here'))).to.be.instanceOf(NoProcError);
    });

    it('rejects with CallingSelfError when a server asks for its own state', async () => {
      const ref = track(await Ledger.start(0));
      expect(await GenServer.call(ref, 'inspectSelf', 'getState'))
        .to.be.instanceOf(CallingSelfError)
        .and.to.include({ server: ref });
      expect(await GenServer.call(ref, 'inspectSelf', 'replaceState')).to.be.instanceOf(CallingSelfError);
    });
  });

  describe('GenServer.replaceState()', () => {
    it('replaces the state with fn(state) and resolves to the new state', async () => {
      const ref = track(await Ledger.start(10));
      expect(await GenServer.replaceState(ref, (n: number) => n * 2)).to.equal(20);
      expect(await GenServer.call(ref, 'add', 1)).to.equal(21);
    });

    it('waits for an async handler: fn gets the state that handler returned', async () => {
      const ref = track(await Ledger.start(10));
      const until = gate();
      const adding = GenServer.call(ref, 'slowAdd', { n: 4, until: until.promise });
      await sleep(5);
      const seen: number[] = [];
      const replacing = GenServer.replaceState(ref, (n: number) => {
        seen.push(n);
        return 0;
      });
      await sleep(20);
      expect(seen, 'fn ran while the handler was awaiting').to.deep.equal([]);
      until.open();
      expect(await adding).to.equal(14);
      expect(await replacing).to.equal(0);
      expect(seen).to.deep.equal([14]);
    });

    it('rejects with the error fn throws, and leaves the state unchanged and the server running', async () => {
      const ref = track(await Ledger.start(10));
      const thrown = new Error('no way');
      const error = await rejectionOf(
        GenServer.replaceState(ref, () => {
          throw thrown;
        }),
      );
      expect(error).to.equal(thrown);
      expect(await GenServer.getState(ref)).to.equal(10);
      expect(GenServer.isAlive(ref)).to.equal(true);
      expect(logs.filter((e) => e.level === 'error')).to.deep.equal([]);
    });

    it('rejects with ArgumentError when fn is not a function', async () => {
      const ref = track(await Ledger.start(10));
      expect(await rejectionOf(GenServer.replaceState(ref, 42 as never)))
        .to.be.instanceOf(ArgumentError)
        .and.to.include({ argument: 'fn' });
    });
  });

  describe('GenServer.info()', () => {
    it('answers synchronously, without waiting for a busy handler: name, status, mailbox, links, monitors, counters', async () => {
      const ref = track(await Ledger.start(0, { name: 'ledger', maxMailbox: 10 }));
      const linked = track(await Ledger.start(0));
      const watched = track(await Ledger.start(0));
      await GenServer.call(ref, 'link', linked);
      await GenServer.call(ref, 'monitor', watched);

      const until = gate();
      const adding = GenServer.call(ref, 'slowAdd', { n: 2, until: until.promise });
      await sleep(5); // the handler is now awaiting
      GenServer.cast(ref, 'add', 1);
      GenServer.send(ref, 'tick');

      const info = GenServer.info(ref);
      expect(info).not.to.have.property('then');
      expect(info).to.include({ name: 'ledger', className: 'Ledger', status: 'running', mailboxLength: 2, maxMailbox: 10 });
      expect(info).to.include({ handled: 2, dropped: 0, trapExits: false, tracing: false, timers: 0 });
      expect(info.links).to.deep.equal([linked]);
      expect(info.monitors).to.deep.equal([watched]);
      expect(GenServer.info(watched).monitoredBy).to.deep.equal([ref]);

      until.open();
      await adding;
      expect(await GenServer.call(ref, 'add', 0)).to.equal(3);
      expect(GenServer.info(ref)).to.include({ mailboxLength: 0, handled: 6 });
    });

    it("shows 'terminating' while terminate runs, then 'dead' with the exit reason", async () => {
      const ref = await Ledger.start(0);
      const until = gate();
      await GenServer.call(ref, 'holdTerminate', until.promise);
      const stopping = GenServer.stop(ref, 'shutdown');
      await sleep(5);
      expect(GenServer.info(ref).status).to.equal('terminating');
      until.open();
      await stopping;
      expect(GenServer.info(ref)).to.include({ status: 'dead', exitReason: 'shutdown' });
    });

    it('throws NoProcError for a name nobody holds', () => {
      expect(() => GenServer.info('nobody_here')).to.throw(NoProcError);
    });
  });

  describe('tracing', () => {
    const traced = (ref: ServerRef) => logs.filter((e) => e.level === 'info' && e.details?.server === ref).map((e) => e.message);

    it('with the start option trace: true, logs every message in, reply out and new state via the logger’s info', async () => {
      const ref = track(await Ledger.start(0, { trace: true }));
      expect(GenServer.info(ref).tracing).to.equal(true);
      await GenServer.call(ref, 'add', 5);
      GenServer.cast(ref, 'add', 2);
      GenServer.send(ref, 'tick');
      await GenServer.getState(ref);
      await sleep(5);
      const lines = traced(ref);
      for (const line of lines) expect(line).to.contain(String(ref));
      const text = lines.join('\n');
      expect(text).to.contain("call 'add' 5").and.to.contain('reply 5');
      expect(text).to.contain("cast 'add' 2").and.to.contain('state 7');
      expect(text).to.contain("info 'tick'");
      expect(lines.length).to.be.at.least(6);
    });

    it('is off by default, and GenServer.trace(ref, on) turns it on and off', async () => {
      const ref = track(await Ledger.start(0));
      await GenServer.call(ref, 'add', 1);
      expect(traced(ref)).to.deep.equal([]);

      GenServer.trace(ref, true);
      expect(GenServer.info(ref).tracing).to.equal(true);
      await GenServer.call(ref, 'add', 41);
      expect(traced(ref).join('\n')).to.contain("call 'add' 41").and.to.contain('reply 42');

      GenServer.trace(ref, false);
      const count = traced(ref).length;
      await GenServer.call(ref, 'add', 1);
      expect(traced(ref)).to.have.length(count);
    });
  });
});
