import { inspect } from 'node:util';
import { expect } from 'chai';
import {
  BadReturnError,
  CallTimeoutError,
  CallingSelfError,
  GenServer,
  NoProcError,
  Registry,
  ServerExitError,
  StopTimeoutError,
  UnknownMessageError,
  handleCall,
  handleCast,
  noreply,
  reply,
  stop,
  terminate,
  type ServerRef,
} from '../lib';
import { tracksAwait } from '../lib/process/context';
import { captureLogs, rejectionOf, sleep, trackServers } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

interface Shelf {
  count: number;
  /** Shared with the test: terminate writes down its reason here. */
  terminated: unknown[];
  /** How long terminate takes, in ms. */
  terminateMs?: number;
}

class Fragile extends GenServer<Shelf> {
  @handleCall('count')
  count(_: void, s: Shelf) {
    return reply(s.count, s);
  }

  @handleCast('bump')
  bump(_: void, s: Shelf) {
    return noreply({ ...s, count: s.count + 1 });
  }

  @handleCall('crash')
  crash(message: string): never {
    throw new Error(message);
  }

  @handleCall('crashLater')
  async crashLater(message: string): Promise<never> {
    await sleep(1);
    throw new Error(message);
  }

  @handleCast('crash')
  crashQuietly(message: string): never {
    throw new Error(message);
  }

  @handleCall('park')
  park(_: void, s: Shelf) {
    return noreply(s);
  }

  /** Returns its payload as is: anything but reply/noreply/stop is a bad return. */
  @handleCall('returnAsIs')
  returnAsIs(value: unknown) {
    return value as never;
  }

  @handleCall('returnLater')
  async returnLater(value: unknown) {
    return value as never;
  }

  @handleCast('replyFromCast')
  replyFromCast(_: void, s: Shelf) {
    return reply('to nobody', s) as never;
  }

  @handleCall('callSelf')
  callSelf(target: unknown, s: Shelf) {
    return GenServer.call((target ?? this.self) as never, 'count').then(
      () => reply('no error', s),
      (error: unknown) => reply(error, s),
    );
  }

  @handleCall('callSelfAfterAwait')
  async callSelfAfterAwait(_: void, s: Shelf) {
    await sleep(1);
    const error = await rejectionOf(GenServer.call(this.self, 'count', undefined, 200));
    return reply(error, s);
  }

  @handleCall('stopSelf')
  stopSelf(_: void, s: Shelf) {
    return GenServer.stop(this.self).then(
      () => reply('no error', s),
      (error: unknown) => reply(error, s),
    );
  }

  @handleCall('stopSelfAfterAwait')
  async stopSelfAfterAwait(_: void, s: Shelf) {
    await sleep(1);
    const error = await rejectionOf(GenServer.stop(this.self));
    return reply(error, s);
  }

  @terminate
  async cleanup(reason: unknown, s: Shelf) {
    if (s.terminateMs) await sleep(s.terminateMs);
    s.terminated.push(reason);
  }
}

const shelf = (terminateMs?: number): Shelf => ({ count: 0, terminated: [], terminateMs });

/** Puts whatever it is given where the test says: state, reason, return value, reply, options. */
class Hostile extends GenServer<unknown> {
  @handleCall('count')
  count(_: unknown, s: unknown) {
    return reply(0, s);
  }

  @handleCall('crashWithState')
  crashWithState(value: unknown) {
    return stop(new Error('crash'), value);
  }

  @handleCall('throwIt')
  throwIt(value: unknown): never {
    throw value;
  }

  @handleCall('stopWith')
  stopWith(value: unknown, s: unknown) {
    return stop(value, s);
  }

  @handleCall('returnIt')
  returnIt(value: unknown) {
    return value as ReturnType<typeof reply>;
  }

  @handleCall('returnLaterIt')
  async returnLaterIt(value: unknown) {
    await sleep(1);
    return value as ReturnType<typeof reply>;
  }

  @handleCall('replyIt')
  replyIt(value: unknown, s: unknown) {
    return reply(value, s);
  }

  @handleCall('optionsIt')
  optionsIt(value: unknown, s: unknown) {
    return reply('ok', s, value as { timeout: number });
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('when things go wrong', () => {
  const track = trackServers();
  const logs = captureLogs();

  describe('a handler that throws', () => {
    for (const tag of ['crash', 'crashLater']) {
      it(`(${tag === 'crash' ? 'sync' : 'async'}) crashes the server: terminate runs with the error, the caller rejects with ServerExitError`, async () => {
        const s = shelf();
        const ref = track(await Fragile.start(s, { name: 'fragile' }));
        const error = await rejectionOf(GenServer.call('fragile', tag, 'boom'));
        expect(error).to.be.instanceOf(ServerExitError).and.to.include({ server: 'fragile' });
        const reason = (error as ServerExitError).reason;
        expect(reason).to.be.instanceOf(Error).and.to.have.property('message', 'boom');
        expect(s.terminated).to.deep.equal([reason]);
        expect(GenServer.isAlive(ref)).to.equal(false);
        expect(GenServer.whereis('fragile')).to.equal(undefined);
      });
    }

    it('rejects every other waiting caller with ServerExitError too, queued or deferred', async () => {
      const ref = track(await Fragile.start(shelf()));
      const parked = GenServer.call(ref, 'park');
      const crashing = GenServer.call(ref, 'crash', 'boom');
      const queued = [GenServer.call(ref, 'count'), GenServer.call(ref, 'count')];
      const errors = await Promise.all([parked, crashing, ...queued].map(rejectionOf));
      const reason = (errors[1] as ServerExitError).reason;
      for (const error of errors) expect(error).to.be.instanceOf(ServerExitError).and.to.include({ server: ref, reason });
    });

    it('logs the crash through the logger, naming the server and the error', async () => {
      const ref = track(await Fragile.start(shelf()));
      const exited = GenServer.awaitExit(ref);
      GenServer.cast(ref, 'crash', 'cast went wrong');
      await exited;
      const errors = logs.filter((e) => e.level === 'error');
      expect(errors).to.have.length(1);
      expect(errors[0].message).to.contain(String(ref)).and.to.contain('cast went wrong');
    });

    it("logs nothing when a server stops with 'normal' or 'shutdown'", async () => {
      await GenServer.stop(track(await Fragile.start(shelf())));
      await GenServer.stop(track(await Fragile.start(shelf())), 'shutdown');
      expect(logs).to.deep.equal([]);
    });
  });

  describe('a bad return value', () => {
    const cases = [
      ['returnAsIs', 42, 'a number'],
      ['returnAsIs', undefined, 'nothing (a forgotten return)'],
      ['returnLater', { state: 1 }, 'a promise of a plain object'],
    ] as const;
    for (const [tag, value, what] of cases) {
      it(`(${what}) crashes the server with BadReturnError naming the handler, its tag and the value`, async () => {
        const ref = track(await Fragile.start(shelf()));
        const error = (await rejectionOf(GenServer.call(ref, tag, value))) as ServerExitError;
        expect(error).to.be.instanceOf(ServerExitError);
        const reason = error.reason as BadReturnError;
        expect(reason).to.be.instanceOf(BadReturnError);
        expect(reason).to.include({ handler: `Fragile.${tag}`, tag, value });
        expect(reason.message).to.contain(`Fragile.${tag}`).and.to.contain(`'${tag}'`);
        expect(GenServer.isAlive(ref)).to.equal(false);
      });
    }

    it('includes reply() returned from a cast handler', async () => {
      const ref = track(await Fragile.start(shelf()));
      const exit = GenServer.awaitExit(ref);
      GenServer.cast(ref, 'replyFromCast');
      const reason = await exit;
      expect(reason).to.be.instanceOf(BadReturnError).and.to.include({ handler: 'Fragile.replyFromCast', tag: 'replyFromCast' });
    });
  });

  describe('an unknown message', () => {
    it('call: rejects with UnknownMessageError listing the accepted tags; the state is unchanged', async () => {
      const ref = track(await Fragile.start(shelf()));
      GenServer.cast(ref, 'bump');
      const error = await rejectionOf(GenServer.call(ref, 'nope', 'payload'));
      expect(error).to.be.instanceOf(UnknownMessageError).and.to.include({ server: ref, tag: 'nope' });
      for (const tag of ['count', 'crash', 'park']) expect((error as Error).message).to.contain(`'${tag}'`);
      expect(await GenServer.call(ref, 'count')).to.equal(1);
      await GenServer.stop(ref);
    });

    it('cast or send: logged as a warning naming the tag, then dropped; the server goes on', async () => {
      const ref = track(await Fragile.start(shelf()));
      GenServer.cast(ref, 'bump');
      GenServer.cast(ref, 'mystery_cast');
      GenServer.send(ref, 'mystery_info');
      expect(await GenServer.call(ref, 'count')).to.equal(1);
      const warnings = logs.filter((e) => e.level === 'warn').map((e) => e.message);
      expect(warnings).to.have.length(2);
      expect(warnings[0]).to.contain("'mystery_cast'");
      expect(warnings[1]).to.contain("'mystery_info'");
      await GenServer.stop(ref);
    });
  });

  describe('a server that calls or stops itself', () => {
    it('gets CallingSelfError from GenServer.call(), by ref or by name, instead of a deadlock', async () => {
      const ref = track(await Fragile.start(shelf(), { name: 'narcissus' }));
      const byRef = await GenServer.call(ref, 'callSelf', undefined, 1000);
      expect(byRef).to.be.instanceOf(CallingSelfError).and.to.include({ server: ref });
      const byName = await GenServer.call(ref, 'callSelf', 'narcissus', 1000);
      expect(byName).to.be.instanceOf(CallingSelfError).and.to.include({ server: 'narcissus' });
      await GenServer.stop(ref);
    });

    // After an await only AsyncLocalStorage knows which server runs; it is used where it is cheap
    // (tracksAwait: Node 24, Node 22 with --experimental-async-context-frame), not on Node 20.
    if (tracksAwait) {
      it('gets CallingSelfError at once for a self-call after an await in an async handler (this Node tracks it)', async () => {
        const ref = track(await Fragile.start(shelf()));
        const sent = Date.now();
        const error = await GenServer.call(ref, 'callSelfAfterAwait', undefined, 1000);
        expect(error).to.be.instanceOf(CallingSelfError).and.to.include({ server: ref });
        expect(Date.now() - sent).to.be.below(150);
        expect(GenServer.isAlive(ref)).to.equal(true);
        await GenServer.stop(ref);
      });
    } else {
      it('cannot tell a self-call after an await (this Node does not track it): it times out, saying a self-call is the likely cause', async () => {
        const ref = track(await Fragile.start(shelf()));
        const error = await GenServer.call(ref, 'callSelfAfterAwait', undefined, 1000);
        expect(error).to.be.instanceOf(CallTimeoutError).and.to.include({ busyWith: 'callSelfAfterAwait' });
        expect((error as Error).message)
          .to.include('self-call')
          .and.not.to.include('pass a longer timeout as the 4th');
        expect(GenServer.isAlive(ref)).to.equal(true);
        await GenServer.stop(ref);
      });
    }

    it('a plain CallTimeoutError (a slow handler, not busy in another one) still advises a longer timeout', async () => {
      const ref = track(await Fragile.start(shelf()));
      const error = await rejectionOf(GenServer.call(ref, 'park', undefined, 20));
      expect(error).to.be.instanceOf(CallTimeoutError).and.to.include({ busyWith: undefined });
      expect((error as Error).message).to.include('pass a longer timeout');
    });

    it('stopping itself after an await: CallingSelfError where tracked; elsewhere outside stops stay answerable and kill ends it', async () => {
      const ref = track(await Fragile.start(shelf()));
      const inside = GenServer.call(ref, 'stopSelfAfterAwait', undefined, Infinity);
      if (tracksAwait) {
        expect(await inside).to.be.instanceOf(CallingSelfError);
        expect(GenServer.isAlive(ref)).to.equal(true);
        return;
      }
      inside.catch(() => undefined);
      await sleep(10); // the handler has taken the call, awaited, and asked to stop itself
      // The server waits on its own stop: it is stuck. A stop with a timeout still answers...
      expect(await rejectionOf(GenServer.stop(ref, 'normal', 30))).to.be.instanceOf(StopTimeoutError);
      const forever = rejectionOf(GenServer.stop(ref));
      await sleep(10);
      expect(GenServer.info(ref).status).to.equal('running');
      // ...and an untrappable kill ends it: every stop waiting settles, with the reason 'killed'.
      GenServer.exit(ref, 'kill');
      const error = await forever;
      expect(error).to.be.instanceOf(ServerExitError).and.to.include({ reason: 'killed' });
      expect(await rejectionOf(inside)).to.be.instanceOf(ServerExitError);
    });

    it('gets CallingSelfError from GenServer.stop()', async () => {
      const ref = track(await Fragile.start(shelf()));
      expect(await GenServer.call(ref, 'stopSelf', undefined, 1000)).to.be.instanceOf(CallingSelfError);
      expect(GenServer.isAlive(ref)).to.equal(true);
      await GenServer.stop(ref);
    });
  });

  describe('a server that is not alive', () => {
    it('makes call and stop reject with NoProcError naming what the caller passed', async () => {
      const ref = track(await Fragile.start(shelf()));
      await GenServer.stop(ref);
      for (const target of [ref, 'never_started']) {
        expect(await rejectionOf(GenServer.call(target, 'count')))
          .to.be.instanceOf(NoProcError)
          .and.to.include({ server: target });
        expect(await rejectionOf(GenServer.stop(target)))
          .to.be.instanceOf(NoProcError)
          .and.to.include({ server: target });
      }
    });
  });

  describe('GenServer.stop() with a timeout', () => {
    it('rejects with StopTimeoutError while the server goes on terminating, and then exits', async () => {
      const s = shelf(100);
      const ref = track(await Fragile.start(s));
      const exit = GenServer.awaitExit(ref);
      const error = await rejectionOf(GenServer.stop(ref, 'shutdown', 20));
      expect(error).to.be.instanceOf(StopTimeoutError).and.to.include({ server: ref, timeout: 20 });
      expect(GenServer.isAlive(ref)).to.equal(true);
      expect(s.terminated).to.deep.equal([]);
      expect(await exit).to.equal('shutdown');
      expect(s.terminated).to.deep.equal(['shutdown']);
      expect(GenServer.isAlive(ref)).to.equal(false);
    });
  });

  describe('a via name whose key has a null prototype', () => {
    it('makes call reject with NoProcError, never throw synchronously', async () => {
      const registry = track(await Registry.start({ keys: 'unique' }));
      const name = Registry.via(registry, Object.create(null));
      let outcome: Promise<unknown> | undefined;
      expect(() => (outcome = GenServer.call(name, 'count'))).not.to.throw();
      expect(await rejectionOf(outcome!)).to.be.instanceOf(NoProcError);
      expect(await rejectionOf(GenServer.stop(name))).to.be.instanceOf(NoProcError);
    });
  });

  describe('hostile values', () => {
    const revoked = (): object => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    };
    const values: Record<string, () => unknown> = {
      'a revoked Proxy': revoked,
      'a custom inspect that throws': () => ({
        [inspect.custom]: () => {
          throw new Error('no inspect');
        },
      }),
      'a then getter that throws': () => ({
        get then() {
          throw new Error('no then');
        },
      }),
    };
    const roles: Record<string, (ref: ServerRef, value: unknown) => Promise<unknown>> = {
      'the state of a crashing server': (ref, value) => GenServer.call(ref, 'crashWithState', value),
      'a traced payload': (ref, value) => GenServer.call(ref, 'count', value),
      'a crash reason': (ref, value) => GenServer.call(ref, 'throwIt', value),
      'a stop reason': (ref, value) => GenServer.call(ref, 'stopWith', value),
      'a returned value': (ref, value) => GenServer.call(ref, 'returnIt', value),
      'a resolved value': (ref, value) => GenServer.call(ref, 'returnLaterIt', value),
      'a reply value': (ref, value) => GenServer.call(ref, 'replyIt', value),
      'an options object': (ref, value) => GenServer.call(ref, 'optionsIt', value),
    };
    for (const [what, make] of Object.entries(values)) {
      for (const [role, act] of Object.entries(roles)) {
        it(`${what} as ${role}: the call settles, the server is never stuck, nothing is unhandled`, async () => {
          const ref = track(await Hostile.start(0, { name: 'hostile', trace: true }));
          const settled = act(ref, make()).then(
            () => 'settled',
            () => 'settled',
          );
          expect(await Promise.race([settled, sleep(1000).then(() => 'hung')])).to.equal('settled');
          await sleep(5);
          const status = GenServer.info(ref).status;
          expect(status).to.be.oneOf(['running', 'dead']);
          if (status === 'dead') expect(GenServer.whereis('hostile')).to.equal(undefined);
          else expect(await GenServer.call(ref, 'count')).to.equal(0);
        });
      }
    }
  });

  describe('whatever goes wrong', () => {
    it('nothing becomes an unhandled rejection: crashes, bad returns, timeouts, late replies, stop timeouts', async () => {
      const seen: unknown[] = [];
      const listener = (reason: unknown): void => void seen.push(reason);
      process.on('unhandledRejection', listener);
      try {
        const crashed = track(await Fragile.start(shelf()));
        GenServer.cast(crashed, 'crash', 'nobody is waiting');
        const badCast = track(await Fragile.start(shelf()));
        GenServer.cast(badCast, 'replyFromCast');
        const slow = track(await Fragile.start(shelf(50)));
        await rejectionOf(GenServer.call(slow, 'park', undefined, 10));
        GenServer.cast(slow, 'mystery');
        await rejectionOf(GenServer.stop(slow, 'shutdown', 10));
        await Promise.all([crashed, badCast, slow].map((ref) => GenServer.awaitExit(ref)));
        await sleep(20);
        expect(seen).to.deep.equal([]);
      } finally {
        process.off('unhandledRejection', listener);
      }
    });
  });
});
