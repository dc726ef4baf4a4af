import { expect } from 'chai';
import {
  ArgumentError,
  GenServer,
  MailboxFullError,
  ServerExitError,
  handleCall,
  handleCast,
  handleInfo,
  init,
  noreply,
  reply,
  terminate,
  type ServerRef,
} from '../lib';
import { captureLogs, gate, rejectionOf, trackServers } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

interface Options {
  trap?: boolean;
  /** Called by terminate with the log as it stands. */
  onEnd?: (log: string[]) => void;
}

/** Its state is the log of what it handled, a new array each time (so getState shows a moment). */
class Inbox extends GenServer<string[]> {
  private onEnd: Options['onEnd'];

  @init
  setup(options: Options = {}) {
    if (options.trap) this.trapExits(true);
    this.onEnd = options.onEnd;
    return [];
  }

  /** Keeps the server busy until `until` resolves; `started` says the handler is running. */
  @handleCall('block')
  async block({ until, started }: { until: Promise<void>; started: () => void }, log: string[]) {
    started();
    await until;
    return reply('unblocked', [...log, 'block']);
  }

  @handleCall('note')
  noteCall(text: string, log: string[]) {
    return reply('noted', [...log, `call ${text}`]);
  }

  @handleCast('note')
  noteCast(text: string, log: string[]) {
    return noreply([...log, `cast ${text}`]);
  }

  @handleInfo('note')
  noteInfo(text: string, log: string[]) {
    return noreply([...log, `info ${text}`]);
  }

  @handleCall('link')
  linkTo(target: ServerRef, log: string[]) {
    this.link(target);
    return reply('linked', log);
  }

  @handleCall('monitor')
  watch(target: ServerRef, log: string[]) {
    this.monitor(target);
    return reply('watching', log);
  }

  @handleInfo('EXIT')
  exited(_: unknown, log: string[]) {
    return noreply([...log, 'EXIT']);
  }

  @handleInfo('DOWN')
  down(_: unknown, log: string[]) {
    return noreply([...log, 'DOWN']);
  }

  @terminate
  cleanup(_reason: unknown, log: string[]) {
    this.onEnd?.(log);
  }
}

/** Makes `ref` busy with a 'block' call; resolves once the handler runs (so it has left the mailbox). */
async function occupy(ref: ServerRef): Promise<{ release(): void; done: Promise<unknown> }> {
  const until = gate();
  const started = gate();
  const done = GenServer.call(ref, 'block', { until: until.promise, started: () => started.open() });
  await started.promise;
  return { release: () => until.open(), done };
}

/** Waits until the server has worked through its mailbox (the reply to 'block' comes before that). */
async function drained(ref: ServerRef): Promise<void> {
  while (GenServer.info(ref).mailboxLength > 0) await new Promise((resolve) => setImmediate(resolve));
}

// ---- specs ------------------------------------------------------------------------------------

describe('the start option maxMailbox', () => {
  const track = trackServers();
  const logs = captureLogs();

  /** A server with a mailbox of 2, busy with one message and holding two more: full. */
  const full = async (options: Options = {}, name?: string) => {
    const ref = track(await Inbox.start(options, { maxMailbox: 2, name }));
    const busy = await occupy(ref);
    GenServer.cast(ref, 'note', 'a');
    GenServer.send(ref, 'note', 'b');
    expect(GenServer.info(ref).mailboxLength).to.equal(2);
    return { ref, ...busy };
  };

  it('bounds the queued user messages; the one being handled does not count', async () => {
    const { ref, release, done } = await full();
    GenServer.cast(ref, 'note', 'over the bound');
    expect(GenServer.info(ref).mailboxLength).to.equal(2);
    release();
    await done;
    await drained(ref);
    expect(await GenServer.call(ref, 'note', 'after')).to.equal('noted');
    expect(await GenServer.getState(ref)).to.deep.equal(['block', 'cast a', 'info b', 'call after']);
  });

  it('refuses a call beyond it with MailboxFullError (server as named, tag, maxMailbox); the server goes on', async () => {
    const { ref, release, done } = await full({}, 'inbox');
    const error = await rejectionOf(GenServer.call('inbox', 'note', 'refused'));
    expect(error).to.be.instanceOf(MailboxFullError).and.to.include({ server: 'inbox', tag: 'note', maxMailbox: 2 });
    expect((error as Error).message)
      .to.contain("'inbox'")
      .and.to.contain('maxMailbox 2');
    release();
    await done;
    await drained(ref);
    expect(await GenServer.call('inbox', 'note', 'accepted again')).to.equal('noted');
  });

  it('drops a cast or send beyond it: never thrown, counted in info().dropped, logged as a warning', async () => {
    const { ref, release, done } = await full();
    expect(GenServer.cast(ref, 'note', 'dropped cast')).to.equal(undefined);
    expect(GenServer.send(ref, 'note', 'dropped info')).to.equal(undefined);
    expect(GenServer.info(ref).dropped).to.equal(2);
    const warnings = logs.filter((e) => e.level === 'warn').map((e) => e.message);
    expect(warnings).to.have.length(2);
    expect(warnings[0]).to.contain(String(ref)).and.to.contain("'note'").and.to.contain('maxMailbox 2');
    release();
    await done;
    await drained(ref);
    expect(await GenServer.call(ref, 'note', 'last')).to.equal('noted');
    expect(await GenServer.getState(ref)).to.deep.equal(['block', 'cast a', 'info b', 'call last']);
  });

  describe('never refuses control messages, and serves them before the queued user messages', () => {
    it('GenServer.getState()', async () => {
      const { ref, release } = await full();
      const state = GenServer.getState(ref);
      release();
      expect(await state).to.deep.equal(['block']);
    });

    it('GenServer.stop(): the queued callers are told, the queued casts never run', async () => {
      const ended: string[][] = [];
      const ref = track(await Inbox.start({ onEnd: (log: string[]) => ended.push(log) }, { maxMailbox: 2 }));
      const { release, done } = await occupy(ref);
      const queued = GenServer.call(ref, 'note', 'queued');
      GenServer.cast(ref, 'note', 'a');
      expect(GenServer.info(ref).mailboxLength).to.equal(2);
      const stopping = GenServer.stop(ref);
      release();
      await stopping;
      expect(await done).to.equal('unblocked');
      expect(ended).to.deep.equal([['block']]);
      expect(await rejectionOf(queued))
        .to.be.instanceOf(ServerExitError)
        .and.to.include({ reason: 'normal' });
    });

    it('exit signals, from a link or from GenServer.exit(), when trapping', async () => {
      const ref = track(await Inbox.start({ trap: true }, { maxMailbox: 2 }));
      const peer = track(await Inbox.start());
      await GenServer.call(ref, 'link', peer);
      const { release, done } = await occupy(ref);
      GenServer.cast(ref, 'note', 'a');
      GenServer.send(ref, 'note', 'b');
      await GenServer.stop(peer, 'shutdown');
      GenServer.exit(ref, 'from outside');
      release();
      await done;
      await drained(ref);
      expect(await GenServer.call(ref, 'note', 'last')).to.equal('noted');
      expect(await GenServer.getState(ref)).to.deep.equal(['block', 'EXIT', 'EXIT', 'cast a', 'info b', 'call last']);
    });

    it('a DOWN message', async () => {
      const target = track(await Inbox.start());
      const ref = track(await Inbox.start({}, { maxMailbox: 1 }));
      await GenServer.call(ref, 'monitor', target);
      const { release, done } = await occupy(ref);
      GenServer.cast(ref, 'note', 'a');
      await GenServer.stop(target);
      release();
      await done;
      await drained(ref);
      expect(await GenServer.call(ref, 'note', 'b')).to.equal('noted');
      expect(await GenServer.getState(ref)).to.deep.equal(['block', 'DOWN', 'cast a', 'call b']);
    });
  });

  it('accepts Infinity (the default)', async () => {
    const ref = track(await Inbox.start({}, { maxMailbox: Infinity }));
    expect(GenServer.info(ref).maxMailbox).to.equal(Infinity);
  });

  for (const bad of [0, -1, 1.5, NaN, '10']) {
    it(`rejects ${String(bad)} (${typeof bad}) with ArgumentError, starting nothing`, async () => {
      const error = await rejectionOf(Inbox.start({}, { name: 'never_started', maxMailbox: bad as number }));
      expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: 'options.maxMailbox' });
      expect(GenServer.whereis('never_started')).to.equal(undefined);
    });
  }
});
