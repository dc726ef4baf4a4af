import { expect } from 'chai';
import {
  AlreadyStartedError,
  GenServer,
  NoProcError,
  type ServerExitError,
  handleCall,
  handleCast,
  ignore,
  init,
  noreply,
  reply,
  singleton,
  stop,
  terminate,
  type ServerRef,
} from '../lib';
import { captureLogs, gate, rejectionOf, sleep, trackServers, type Gate } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

/** No @init: the state is the start argument. */
class Counter extends GenServer<number> {
  @handleCall('get')
  get(_: void, n: number) {
    return reply(n, n);
  }

  @handleCall('crash')
  crash(): never {
    throw new Error('boom');
  }

  @handleCast('quit')
  quit(reason: unknown, n: number) {
    return stop(reason, n);
  }
}

/** Init waits for a gate the test opens, then uses what it carries as the state. */
class SlowStart extends GenServer<string> {
  @init
  async setup(ready: Gate<string>) {
    return await ready.promise;
  }

  @handleCall('get')
  get(_: void, s: string) {
    return reply(s, s);
  }
}

class FailingStart extends GenServer {
  @init
  async setup(how: 'throw' | 'reject') {
    if (how === 'throw') throw new Error('init threw');
    await sleep(1);
    throw new Error('init rejected');
  }
}

class NoreplyStart extends GenServer<number> {
  @init
  setup(n: number) {
    return noreply(n + 1);
  }

  @handleCall('get')
  get(_: void, n: number) {
    return reply(n, n);
  }
}

class IgnoredStart extends GenServer {
  @init
  setup() {
    return ignore();
  }
}

/** Remembers the `this.self` it saw in init, to compare with the one its handlers see. */
class SelfAware extends GenServer<ServerRef | undefined> {
  @init
  setup() {
    return this.self;
  }

  @handleCall('selves')
  selves(_: void, atInit: ServerRef | undefined) {
    return reply({ atInit, now: this.self }, atInit);
  }
}

/** Its terminate records the reason, then waits for a gate the test opens. */
class SlowStop extends GenServer<{ closing: Gate; log: unknown[] }> {
  @terminate
  async close(reason: unknown, s: { closing: Gate; log: unknown[] }) {
    s.log.push(reason);
    await s.closing.promise;
    s.log.push('closed');
  }
}

@singleton
class Solo extends GenServer<number> {
  @handleCall('get')
  get(_: void, n: number) {
    return reply(n, n);
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('GenServer', () => {
  const track = trackServers();
  captureLogs();

  describe('.start()', () => {
    it('resolves to a ref only after an async init has finished', async () => {
      const ready = gate<string>();
      let started = false;
      const starting = SlowStart.start(ready).then((ref) => {
        started = true;
        return track(ref);
      });
      await sleep(20);
      expect(started).to.equal(false);
      ready.open('warm');
      const ref = await starting;
      expect(await GenServer.call(ref, 'get')).to.equal('warm');
      await GenServer.stop(ref);
    });

    it('uses the start argument as the state when the class has no @init', async () => {
      const ref = track(await Counter.start(41));
      expect(await GenServer.call(ref, 'get')).to.equal(41);
      await GenServer.stop(ref);
    });

    it('accepts noreply(state) from init', async () => {
      const ref = track(await NoreplyStart.start(1));
      expect(await GenServer.call(ref, 'get')).to.equal(2);
      await GenServer.stop(ref);
    });

    it('resolves to undefined and registers nothing when init returns ignore()', async () => {
      expect(await IgnoredStart.start(undefined, { name: 'ignored' })).to.equal(undefined);
      expect(GenServer.whereis('ignored')).to.equal(undefined);
    });

    it('gives every server its own ref; a ref equals only itself', async () => {
      const a = track(await Counter.start(1));
      const b = track(await Counter.start(1));
      expect(a).not.to.equal(b);
      expect(GenServer.isAlive(a) && GenServer.isAlive(b)).to.equal(true);
      await GenServer.stop(a);
      expect(GenServer.isAlive(b)).to.equal(true);
      await GenServer.stop(b);
    });

    it('registers the server under options.name; whereis returns the very same ref', async () => {
      const ref = track(await Counter.start(5, { name: 'my_counter' }));
      expect(GenServer.whereis('my_counter')).to.equal(ref);
      expect(await GenServer.call('my_counter', 'get')).to.equal(5);
      await GenServer.stop('my_counter');
      expect(GenServer.isAlive(ref)).to.equal(false);
    });

    it('rejects with AlreadyStartedError when a live server holds the name, leaving the holder alone', async () => {
      const holder = track(await Counter.start(1, { name: 'taken' }));
      const error = await rejectionOf(Counter.start(2, { name: 'taken' }));
      expect(error).to.be.instanceOf(AlreadyStartedError);
      expect((error as AlreadyStartedError).ref).to.equal(holder);
      expect(GenServer.whereis('taken')).to.equal(holder);
      expect(await GenServer.call('taken', 'get')).to.equal(1);
      await GenServer.stop(holder);
    });

    for (const how of ['throw', 'reject'] as const) {
      it(`rejects with init's error when init ${how}s, and keeps no name registered`, async () => {
        const error = await rejectionOf(FailingStart.start(how, { name: 'failing' }));
        expect(error).to.be.instanceOf(Error);
        expect((error as Error).message).to.equal(how === 'throw' ? 'init threw' : 'init rejected');
        expect(GenServer.whereis('failing')).to.equal(undefined);
        const retry = track(await Counter.start(0, { name: 'failing' }));
        expect(GenServer.whereis('failing')).to.equal(retry);
        await GenServer.stop(retry);
      });
    }

    it('sets this.self before init runs, to the ref that start resolves to', async () => {
      const ref = track(await SelfAware.start());
      const { atInit, now } = (await GenServer.call(ref, 'selves')) as { atInit: ServerRef; now: ServerRef };
      expect(atInit).to.equal(ref);
      expect(now).to.equal(ref);
      await GenServer.stop(ref);
    });
  });

  describe('.startLink()', () => {
    it('outside any server works as start, with the same options', async () => {
      const ref = track(await Counter.startLink(3, { name: 'linked_nowhere' }));
      expect(GenServer.whereis('linked_nowhere')).to.equal(ref);
      expect(await GenServer.call(ref, 'get')).to.equal(3);
      await GenServer.stop(ref);
    });
  });

  describe('@singleton', () => {
    it('registers the server under its class, usable wherever a ref is taken', async () => {
      const ref = track(await Solo.start(9));
      expect(GenServer.whereis(Solo)).to.equal(ref);
      expect(GenServer.isAlive(Solo)).to.equal(true);
      expect(await GenServer.call(Solo, 'get')).to.equal(9);
      await GenServer.stop(Solo);
      expect(GenServer.isAlive(ref)).to.equal(false);
      expect(GenServer.whereis(Solo)).to.equal(undefined);
      const error = await rejectionOf(GenServer.call(Solo, 'get'));
      expect(error).to.be.instanceOf(NoProcError).and.to.include({ server: Solo });
    });

    it('rejects a second start with AlreadyStartedError naming the class', async () => {
      const ref = track(await Solo.start(1));
      const error = await rejectionOf(Solo.startLink(2));
      expect(error).to.be.instanceOf(AlreadyStartedError);
      expect((error as AlreadyStartedError).serverName).to.equal(Solo);
      expect((error as AlreadyStartedError).ref).to.equal(ref);
      await GenServer.stop(ref);
    });
  });

  describe('.stop()', () => {
    it("stops with reason 'normal' and resolves only once an async terminate has finished", async () => {
      const s = { closing: gate(), log: [] as unknown[] };
      const ref = track(await SlowStop.start(s));
      let stopped = false;
      const stopping = GenServer.stop(ref).then(() => (stopped = true));
      await sleep(20);
      expect(s.log).to.deep.equal(['normal']);
      expect(stopped).to.equal(false);
      expect(GenServer.isAlive(ref)).to.equal(true);
      s.closing.open();
      await stopping;
      expect(s.log).to.deep.equal(['normal', 'closed']);
      expect(GenServer.isAlive(ref)).to.equal(false);
    });

    it('passes the given reason to terminate', async () => {
      const s = { closing: gate(), log: [] as unknown[] };
      s.closing.open();
      const ref = track(await SlowStop.start(s));
      await GenServer.stop(ref, 'shutdown', 1000);
      expect(s.log).to.deep.equal(['shutdown', 'closed']);
    });
  });

  describe('.whereis() and .isAlive()', () => {
    it('whereis is undefined and isAlive false for a name nobody holds', () => {
      expect(GenServer.whereis('nobody')).to.equal(undefined);
      expect(GenServer.isAlive('nobody')).to.equal(false);
    });

    it('whereis accepts a ref: the very same ref while the server lives, undefined once it has exited', async () => {
      const ref = track(await Counter.start(0));
      expect(GenServer.whereis(ref)).to.equal(ref);
      await GenServer.stop(ref);
      expect(GenServer.whereis(ref)).to.equal(undefined);
    });

    it('isAlive is true while the server runs and false once it has exited', async () => {
      const ref = track(await Counter.start(0));
      expect(GenServer.isAlive(ref)).to.equal(true);
      await GenServer.stop(ref);
      expect(GenServer.isAlive(ref)).to.equal(false);
    });
  });

  describe('.awaitExit()', () => {
    it('resolves to the exit reason', async () => {
      const ref = track(await Counter.start(0));
      const exited = GenServer.awaitExit(ref);
      GenServer.cast(ref, 'quit', { shutdown: 'done' });
      expect(await exited).to.deep.equal({ shutdown: 'done' });
    });

    it("resolves to a crash's error", async () => {
      const ref = track(await Counter.start(0));
      const exited = GenServer.awaitExit(ref);
      const error = (await rejectionOf(GenServer.call(ref, 'crash'))) as ServerExitError;
      expect(await exited)
        .to.equal(error.reason)
        .and.to.have.property('message', 'boom');
    });

    it('resolves at once for a ref that is already dead', async () => {
      const ref = track(await Counter.start(0));
      await GenServer.stop(ref, 'shutdown');
      expect(await GenServer.awaitExit(ref)).to.equal('shutdown');
    });
  });

  describe('names', () => {
    const exits: Record<string, (ref: ServerRef) => Promise<unknown>> = {
      'GenServer.stop()': (ref) => GenServer.stop(ref),
      'a stop() returned by a handler': async (ref) => GenServer.cast(ref, 'quit', 'normal'),
      'a crash': (ref) => GenServer.call(ref, 'crash').catch(() => undefined),
    };
    for (const [how, exit] of Object.entries(exits)) {
      it(`are freed the moment the server exits through ${how}, and can be taken again`, async () => {
        const ref = track(await Counter.start(0, { name: 'reusable' }));
        const nameAtExit = GenServer.awaitExit(ref).then(() => GenServer.whereis('reusable'));
        await exit(ref);
        expect(await nameAtExit).to.equal(undefined);
        const again = track(await Counter.start(1, { name: 'reusable' }));
        expect(GenServer.whereis('reusable')).to.equal(again);
        await GenServer.stop(again);
      });
    }
  });
});
