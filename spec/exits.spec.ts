import { expect } from 'chai';
import {
  GenServer,
  NoProcError,
  ServerExitError,
  handleCall,
  handleInfo,
  init,
  noreply,
  reply,
  stop,
  terminate,
  type ExitMessage,
  type ServerRef,
} from '../lib';
import { tracksAwait } from '../lib/process/context';
import { captureLogs, gate, rejectionOf, sleep, trackServers, type Gate } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

interface Bond {
  trap: boolean;
  /** Shared with the test: the EXIT messages received, and the reasons terminate ran with. */
  exits: ExitMessage[];
  terminated: unknown[];
  /** Opened by the first EXIT message. */
  firstExit: Gate<ExitMessage>;
}

const bond = (trap = false): Bond => ({ trap, exits: [], terminated: [], firstExit: gate<ExitMessage>() });

class Peer extends GenServer<Bond> {
  @init
  setup(s: Bond) {
    if (s.trap) this.trapExits(true);
    return s;
  }

  @handleCall('link')
  linkTo(target: ServerRef | string, s: Bond) {
    this.link(target);
    return reply('linked', s);
  }

  @handleCall('unlink')
  unlinkFrom(target: ServerRef, s: Bond) {
    this.unlink(target);
    return reply('unlinked', s);
  }

  @handleCall('trap')
  trap(on: boolean, s: Bond) {
    return reply(this.trapExits(on), s);
  }

  /** Starts a linked child with `child` as its state. */
  @handleCall('spawn')
  async spawn(child: Bond, s: Bond) {
    return reply(await Peer.startLink(child), s);
  }

  @handleCall('exit')
  exit({ target, reason }: { target: ServerRef; reason: unknown }, s: Bond) {
    GenServer.exit(target, reason);
    return reply('sent', s);
  }

  @handleCall('wait')
  async wait(until: Promise<void>, s: Bond) {
    await until;
    return reply('waited', s);
  }

  @handleCall('crash')
  crash(message: string): never {
    throw new Error(message);
  }

  @handleCall('stop')
  stopWith(reason: unknown, s: Bond) {
    return stop(reason, s, 'stopping');
  }

  @handleInfo('EXIT')
  exited(message: ExitMessage, s: Bond) {
    s.exits.push(message);
    s.firstExit.open(message);
    return noreply(s);
  }

  @terminate
  cleanup(reason: unknown, s: Bond) {
    s.terminated.push(reason);
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('exits', () => {
  const track = trackServers();
  const logs = captureLogs();
  const peer = async (trap = false): Promise<[ServerRef, Bond]> => {
    const s = bond(trap);
    return [track(await Peer.start(s)), s];
  };
  const linkedPair = async (trap = false): Promise<[ServerRef, ServerRef, Bond]> => {
    const [a] = await peer();
    const [b, s] = await peer(trap);
    await GenServer.call(b, 'link', a);
    return [a, b, s];
  };

  describe('this.link()', () => {
    const reasons: [string, unknown][] = [
      ["'shutdown'", 'shutdown'],
      ['{ shutdown: x }', { shutdown: 'maintenance' }],
      ['a custom reason', 'out of paper'],
      ['an Error', new Error('boom')],
    ];
    for (const [label, reason] of reasons) {
      it(`carries ${label}: the linked server exits with the same reason, without terminate`, async () => {
        const [a, b, s] = await linkedPair();
        await GenServer.stop(a, reason);
        expect(await GenServer.awaitExit(b)).to.equal(reason);
        expect(s.terminated).to.deep.equal([]);
      });
    }

    it("does not carry 'normal': the linked server runs on", async () => {
      const [a, b] = await linkedPair();
      await GenServer.stop(a);
      await sleep(20);
      expect(GenServer.isAlive(b)).to.equal(true);
      expect(GenServer.info(b).links).to.deep.equal([]);
    });

    it('is two-way: the server linked to dies with the one that linked', async () => {
      const [a, b] = await linkedPair();
      const crash = (await rejectionOf(GenServer.call(b, 'crash', 'b failed'))) as ServerExitError;
      expect(await GenServer.awaitExit(a)).to.equal(crash.reason);
    });

    it("'shutdown' and { shutdown: x } are clean: no crash report is logged, yet they travel", async () => {
      for (const reason of ['shutdown', { shutdown: 'maintenance' }]) {
        const [a, b] = await linkedPair();
        await GenServer.stop(a, reason);
        expect(await GenServer.awaitExit(b)).to.equal(reason);
      }
      expect(logs.filter((e) => e.level === 'error')).to.deep.equal([]);
    });

    it("to a dead ref: the server gets the exit signal 'noproc' and exits with it", async () => {
      const [dead] = await peer();
      await GenServer.stop(dead);
      const [ref] = await peer();
      const linking = GenServer.call(ref, 'link', dead).catch(() => undefined);
      expect(await GenServer.awaitExit(ref)).to.equal('noproc');
      await linking;
    });

    it("to a dead ref: the call that linked rejects with ServerExitError 'noproc' instead of getting a reply", async () => {
      const [dead] = await peer();
      await GenServer.stop(dead);
      const [ref] = await peer();
      expect(await rejectionOf(GenServer.call(ref, 'link', dead)))
        .to.be.instanceOf(ServerExitError)
        .and.to.include({ reason: 'noproc' });
    });

    it("to a dead ref while trapping: an EXIT with reason 'noproc' from that ref", async () => {
      const [dead] = await peer();
      await GenServer.stop(dead);
      const [ref, s] = await peer(true);
      await GenServer.call(ref, 'link', dead);
      expect(await s.firstExit.promise).to.deep.equal({ from: dead, reason: 'noproc' });
      expect(GenServer.isAlive(ref)).to.equal(true);
    });

    it("to a name nobody holds while trapping: an EXIT with reason 'noproc'", async () => {
      const [ref, s] = await peer(true);
      await GenServer.call(ref, 'link', 'nobody_here');
      expect((await s.firstExit.promise).reason).to.equal('noproc');
    });
  });

  describe('this.unlink()', () => {
    it('stops propagation, both ways', async () => {
      const [a, b] = await linkedPair();
      await GenServer.call(b, 'unlink', a);
      expect(GenServer.info(a).links).to.deep.equal([]);
      expect(GenServer.info(b).links).to.deep.equal([]);
      await rejectionOf(GenServer.call(a, 'crash', 'alone'));
      await sleep(20);
      expect(GenServer.isAlive(b)).to.equal(true);
    });
  });

  describe('this.trapExits()', () => {
    it("turns exit signals into @handleInfo('EXIT') with { from, reason }; the server runs on, terminate does not run", async () => {
      const [a, b, s] = await linkedPair(true);
      const crash = (await rejectionOf(GenServer.call(a, 'crash', 'a failed'))) as ServerExitError;
      expect(await s.firstExit.promise).to.deep.equal({ from: a, reason: crash.reason });
      expect(GenServer.isAlive(b)).to.equal(true);
      expect(s.terminated).to.deep.equal([]);
    });

    it("delivers 'normal' exits too", async () => {
      const [a, , s] = await linkedPair(true);
      await GenServer.stop(a);
      expect(await s.firstExit.promise).to.deep.equal({ from: a, reason: 'normal' });
    });

    it('returns the previous setting; trapExits(false) lets exits kill again', async () => {
      const [a, b] = await linkedPair();
      expect(await GenServer.call(b, 'trap', true)).to.equal(false);
      expect(GenServer.info(b).trapExits).to.equal(true);
      expect(await GenServer.call(b, 'trap', false)).to.equal(true);
      await GenServer.stop(a, 'shutdown');
      expect(await GenServer.awaitExit(b)).to.equal('shutdown');
    });

    for (const reason of ['normal', 'shutdown', 'parent failed']) {
      it(`makes the parent's exit (${reason}) end the server: terminate runs with the reason, no EXIT message`, async () => {
        const [parent] = await peer();
        const s = bond(true);
        const child = track((await GenServer.call(parent, 'spawn', s)) as ServerRef);
        const exited = GenServer.awaitExit(child);
        await GenServer.stop(parent, reason);
        expect(await exited).to.equal(reason);
        expect(s.terminated).to.deep.equal([reason]);
        expect(s.exits).to.deep.equal([]);
      });
    }
  });

  describe('GenServer.exit()', () => {
    it("with 'kill' ends the server without terminate, even when it traps exits; links see 'killed'", async () => {
      const [target, watcher, seen] = await linkedPair(true);
      const [, victim] = await linkedPair();
      await GenServer.call(victim, 'link', target);
      await GenServer.call(target, 'trap', true);
      const queued = GenServer.call(target, 'wait', Promise.resolve());
      GenServer.exit(target, 'kill');
      expect(await GenServer.awaitExit(target)).to.equal('killed');
      expect(await rejectionOf(queued))
        .to.be.instanceOf(ServerExitError)
        .and.to.include({ reason: 'killed' });
      expect(await seen.firstExit.promise).to.deep.equal({ from: target, reason: 'killed' });
      expect(GenServer.isAlive(watcher)).to.equal(true);
      expect(await GenServer.awaitExit(victim)).to.equal('killed');
    });

    it('fails the call in progress with ServerExitError, even while its async handler awaits', async () => {
      const [ref] = await peer();
      const until = gate();
      const inProgress = GenServer.call(ref, 'wait', until.promise, 1000);
      await sleep(5);
      GenServer.exit(ref, 'kill');
      until.open();
      expect(await rejectionOf(inProgress))
        .to.be.instanceOf(ServerExitError)
        .and.to.include({ reason: 'killed' });
    });

    it('with another reason ends a server that does not trap exits, without terminate', async () => {
      const [ref, s] = await peer();
      GenServer.exit(ref, 'go away');
      expect(await GenServer.awaitExit(ref)).to.equal('go away');
      expect(s.terminated).to.deep.equal([]);
    });

    it("with 'normal' is ignored by a server that does not trap exits", async () => {
      const [ref] = await peer();
      GenServer.exit(ref, 'normal');
      expect(await GenServer.call(ref, 'wait', Promise.resolve())).to.equal('waited');
    });

    it("from the parent ends a trapping child as the parent's exit would: terminate runs with the reason, no EXIT message", async () => {
      const [parent] = await peer(true);
      const s = bond(true);
      const child = track((await GenServer.call(parent, 'spawn', s)) as ServerRef);
      const exited = GenServer.awaitExit(child);
      await GenServer.call(parent, 'exit', { target: child, reason: 'shutdown' });
      expect(await exited).to.equal('shutdown');
      expect(s.terminated).to.deep.equal(['shutdown']);
      expect(s.exits).to.deep.equal([]);
    });

    it('reaches a trapping server as an EXIT message: from is the sending server, or undefined outside any', async () => {
      const [ref, s] = await peer(true);
      const [sender] = await peer();
      GenServer.exit(ref, 'from outside');
      await GenServer.call(sender, 'exit', { target: ref, reason: 'from a server' });
      await GenServer.call(ref, 'wait', Promise.resolve());
      expect(s.exits).to.deep.equal([
        { from: undefined, reason: 'from outside' },
        { from: sender, reason: 'from a server' },
      ]);
      expect(GenServer.isAlive(ref)).to.equal(true);
    });
  });

  describe('GenServer.awaitExit()', () => {
    it('resolves to the reason (at once for a dead ref); rejects with NoProcError for a name nobody holds', async () => {
      const [ref] = await peer();
      GenServer.exit(ref, 'kill');
      expect(await GenServer.awaitExit(ref)).to.equal('killed');
      expect(await GenServer.awaitExit(ref)).to.equal('killed');
      expect(await rejectionOf(GenServer.awaitExit('nobody_here')))
        .to.be.instanceOf(NoProcError)
        .and.to.include({ server: 'nobody_here' });
    });
  });

  describe('when terminate runs (the table in Elixir’s GenServer docs)', () => {
    const table: [string, boolean, (ref: ServerRef) => Promise<unknown>][] = [
      ['GenServer.stop()', true, (ref) => GenServer.stop(ref, 'shutdown')],
      ['a handler that throws', true, (ref) => rejectionOf(GenServer.call(ref, 'crash', 'boom'))],
      ['a handler that returns stop()', true, (ref) => GenServer.call(ref, 'stop', 'done')],
      ["GenServer.exit(ref, 'kill')", false, async (ref) => GenServer.exit(ref, 'kill')],
      ['GenServer.exit(ref, reason) while not trapping', false, async (ref) => GenServer.exit(ref, 'go away')],
      ["a linked server's exit while not trapping", false, async (ref) => GenServer.stop((await linkTo(ref))[0], 'linked failure')],
    ];
    const linkTo = async (ref: ServerRef) => {
      const [other] = await peer();
      await GenServer.call(ref, 'link', other);
      return [other];
    };

    for (const [how, runs, end] of table) {
      it(`${runs ? 'runs' : 'does not run'} on ${how}`, async () => {
        const [ref, s] = await peer();
        const exited = GenServer.awaitExit(ref);
        await end(ref);
        const reason = await exited;
        expect(s.terminated).to.deep.equal(runs ? [reason] : []);
      });
    }

    it("runs on the parent's exit while trapping (see this.trapExits() above), and not on another linked exit while trapping", async () => {
      const [a, b, s] = await linkedPair(true);
      await GenServer.stop(a, 'linked failure');
      await s.firstExit.promise;
      expect(s.terminated).to.deep.equal([]);
      expect(GenServer.isAlive(b)).to.equal(true);
    });
  });
});

// ---- a terminate that throws, a dead server's calls, a thenable reason ---------------------------

/** Its terminate throws (or rejects) the error it was given at start. */
class BadEnd extends GenServer<{ error: unknown; async?: boolean }> {
  @handleCall('ping')
  ping(_: void, s: { error: unknown }) {
    return reply('pong', s);
  }

  @handleCall('throwThenable')
  throwThenable(): never {
    throw new Promise(() => undefined);
  }

  @terminate
  async done(_: unknown, s: { error: unknown; async?: boolean }) {
    if (s.async) await sleep(1);
    if (s.error !== undefined) throw s.error;
  }
}

/** Awaits a gate in a handler, then tries timers, links and monitors on its own (maybe dead) server. */
class Afterlife extends GenServer<{ resumed: Gate<string[]> | undefined; other?: ServerRef }> {
  @handleCall('linger')
  async linger(until: Promise<void>, s: { resumed: Gate<string[]> | undefined; other?: ServerRef }) {
    await until;
    const outcomes: string[] = [];
    const attempt = (what: string, fn: () => unknown): void => {
      try {
        fn();
        outcomes.push(`${what}: ok`);
      } catch (error) {
        outcomes.push(`${what}: ${(error as Error).name}`);
      }
    };
    attempt('sendAfter', () => this.sendAfter('tick', undefined, 60_000));
    attempt('link', () => this.link(s.other!));
    attempt('monitor', () => this.monitor(s.other!));
    s.resumed?.open(outcomes);
    return reply('done', s);
  }
}

class Bystander extends GenServer<number> {}

/** Starts a Bystander with startLink once `until` settles, and hands over what came of it. */
class LateStarter extends GenServer<Gate<unknown>> {
  @handleCall('startLater')
  async startLater(until: Promise<void>, s: Gate<unknown>) {
    await until;
    try {
      s.open(await Bystander.startLink(0));
    } catch (error) {
      s.open(error);
    }
    return reply('done', s);
  }
}

describe('exits, as OTP has them', () => {
  const track = trackServers();
  const logs = captureLogs();

  describe('a @terminate that throws', () => {
    for (const async of [false, true]) {
      it(`(${async ? 'async' : 'sync'}) makes its error the exit reason: stop rejects with it, links and awaitExit see it`, async () => {
        const error = new Error('terminate failed');
        const ref = track(await BadEnd.start({ error, async }));
        const state = bond(true);
        const watcher = track(await Peer.start(state));
        await GenServer.call(watcher, 'link', ref);
        const exited = GenServer.awaitExit(ref);
        expect(await rejectionOf(GenServer.stop(ref))).to.equal(error);
        expect(await exited).to.equal(error);
        const exit = await state.firstExit.promise;
        expect(exit).to.deep.equal({ from: ref, reason: error });
        expect(logs.some((l) => l.level === 'error' && l.message.includes('terminate failed'))).to.equal(true);
      });
    }

    it('a thrown non-Error makes stop reject with ServerExitError carrying it', async () => {
      const ref = track(await BadEnd.start({ error: 'oops' }));
      const error = await rejectionOf(GenServer.stop(ref));
      expect(error).to.be.instanceOf(ServerExitError).and.to.include({ server: ref, reason: 'oops' });
    });
  });

  describe('a server that is dead', () => {
    it('cannot create timers, links or monitors from an async handler that resumes after its death', async () => {
      const resumed = gate<string[]>();
      const other = track(await Bystander.start(0));
      const ref = track(await Afterlife.start({ resumed, other }));
      const release = gate();
      const call = rejectionOf(GenServer.call(ref, 'linger', release.promise));
      await sleep(5);
      GenServer.exit(ref, 'kill');
      await call;
      release.open();
      const outcomes = await resumed.promise;
      expect(outcomes).to.deep.equal(['sendAfter: ok', 'link: ok', 'monitor: ok']); // nothing thrown...
      const info = GenServer.info(ref);
      expect(info.timers).to.equal(0); // ...and nothing created
      expect(info.links).to.deep.equal([]);
      expect(info.monitors).to.deep.equal([]);
      expect(GenServer.info(other).links).to.deep.equal([]);
      expect(GenServer.info(other).monitoredBy).to.deep.equal([]);
      expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).to.be.below(5);
    });

    it(
      tracksAwait
        ? 'startLink from an async handler that resumes after its death rejects with NoProcError naming the dead server'
        : 'startLink from an async handler that resumes after its death starts an unlinked server (this Node cannot tell the running server)',
      async () => {
        const outcome = gate<unknown>();
        const ref = track(await LateStarter.start(outcome));
        const release = gate();
        const call = rejectionOf(GenServer.call(ref, 'startLater', release.promise));
        await sleep(5);
        GenServer.exit(ref, 'kill');
        await call;
        release.open();
        const result = await outcome.promise;
        if (tracksAwait) {
          expect(result).to.be.instanceOf(NoProcError);
          expect((result as NoProcError).server).to.equal(ref);
        } else {
          const child = track(result as ServerRef);
          expect(GenServer.isAlive(child)).to.equal(true);
          expect(GenServer.info(child).links).to.deep.equal([]);
        }
      },
    );
  });

  describe('GenServer.awaitExit()', () => {
    it('never adopts a thenable exit reason: it resolves to a ServerExitError carrying it', async () => {
      const ref = track(await BadEnd.start({ error: undefined }));
      const exited = GenServer.awaitExit(ref);
      await rejectionOf(GenServer.call(ref, 'throwThenable'));
      const reason = await Promise.race([exited, sleep(500).then(() => 'never resolved')]);
      expect(reason).to.be.instanceOf(ServerExitError);
      expect(typeof ((reason as ServerExitError).reason as PromiseLike<unknown>).then).to.equal('function');
      // Asked again once the server is dead: the same.
      expect(await GenServer.awaitExit(ref)).to.be.instanceOf(ServerExitError);
    });
  });
});
