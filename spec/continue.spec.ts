import { expect } from 'chai';
import {
  BadReturnError,
  GenServer,
  ServerExitError,
  UnknownMessageError,
  handleCall,
  handleCast,
  handleContinue,
  init,
  noreply,
  reply,
  stop,
  type ReturnOptions,
} from '../lib';
import { captureLogs, gate, rejectionOf, sleep, trackServers } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

type Next = ReturnOptions['continue'];

/** Writes down every step it takes, so a spec can read the order in which things ran. */
class Pipeline extends GenServer<string[]> {
  /** Queues a cast to itself, then returns `noreply` with `{ continue: next }` (if given). */
  @init
  setup(next?: Next) {
    GenServer.cast(this.self, 'note', 'sent during init');
    return next === undefined ? ['init'] : noreply(['init'], { continue: next });
  }

  @handleCall('log')
  log(_: void, log: string[]) {
    return reply(log, log);
  }

  @handleCast('note')
  note(text: string, log: string[]) {
    return noreply([...log, `note: ${text}`]);
  }

  /** Queues a cast to itself before it returns, so that cast waits behind the continue. */
  @handleCall('go')
  go(next: Next, log: string[]) {
    GenServer.cast(this.self, 'note', 'sent by go');
    return reply('went', [...log, 'go'], { continue: next });
  }

  @handleCast('go')
  goQuietly(next: Next, log: string[]) {
    return noreply([...log, 'go'], { continue: next });
  }

  @handleCall('goLater')
  async goLater({ next, until }: { next: Next; until: Promise<void> }, log: string[]) {
    await until;
    return reply('went', [...log, 'goLater'], { continue: next });
  }

  @handleContinue('step')
  step(_: void, log: string[]) {
    return noreply([...log, 'step']);
  }

  @handleContinue('chain')
  chain(_: void, log: string[]) {
    return noreply([...log, 'chain'], { continue: 'chainAgain' });
  }

  @handleContinue('chainAgain')
  chainAgain(_: void, log: string[]) {
    return noreply([...log, 'chainAgain'], { continue: 'step' });
  }

  @handleContinue('withPayload')
  withPayload(payload: unknown, log: string[]) {
    return noreply([...log, `withPayload: ${JSON.stringify(payload)}`]);
  }

  @handleContinue('slowStep')
  async slowStep(_: void, log: string[]) {
    await sleep(5);
    return noreply([...log, 'slowStep']);
  }

  @handleContinue('stops')
  stops(_: void, log: string[]) {
    return stop('shutdown', log);
  }

  @handleContinue('replies')
  replies(_: void, log: string[]) {
    return reply('to nobody', log) as never;
  }
}

/** Same handlers; init waits for the test to open a gate, so messages can arrive meanwhile. */
class SlowPipeline extends Pipeline {
  @init
  async slowSetup({ next, until }: { next: Next; until: Promise<void> }) {
    await until;
    return noreply(['init'], { continue: next });
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('the { continue: tag } return option', () => {
  const track = trackServers();
  const logs = captureLogs();

  describe('from init', () => {
    it('runs @handleContinue before the message init sent itself', async () => {
      const ref = track(await Pipeline.start('step'));
      expect(await GenServer.call(ref, 'log')).to.deep.equal(['init', 'step', 'note: sent during init']);
    });

    it('runs before messages that reached the server while init was running', async () => {
      const until = gate();
      const starting = SlowPipeline.start({ next: 'step', until: until.promise }, { name: 'slow_pipeline' });
      GenServer.cast('slow_pipeline', 'note', 'sent by the client during init');
      until.open();
      const ref = track(await starting);
      expect(await GenServer.call(ref, 'log')).to.deep.equal(['init', 'step', 'note: sent by the client during init']);
    });

    it('without the option, the same queued message runs straight after init (the control case)', async () => {
      const ref = track(await Pipeline.start());
      expect(await GenServer.call(ref, 'log')).to.deep.equal(['init', 'note: sent during init']);
    });
  });

  describe('from reply() and noreply()', () => {
    it('reply(v, s, { continue }) answers the caller, then runs @handleContinue before any queued message', async () => {
      const ref = track(await Pipeline.start());
      const went = GenServer.call(ref, 'go', 'step');
      GenServer.cast(ref, 'note', 'queued by the client'); // queued before the handler runs
      expect(await went).to.equal('went');
      expect(await GenServer.call(ref, 'log')).to.deep.equal([
        'init',
        'note: sent during init',
        'go',
        'step',
        'note: queued by the client',
        'note: sent by go',
      ]);
    });

    it('noreply(s, { continue }) from a cast runs @handleContinue before any queued message', async () => {
      const ref = track(await Pipeline.start());
      GenServer.cast(ref, 'go', 'step');
      GenServer.cast(ref, 'note', 'queued');
      expect(await GenServer.call(ref, 'log')).to.deep.equal(['init', 'note: sent during init', 'go', 'step', 'note: queued']);
    });

    it('holds for an async handler: messages that arrive while it awaits still wait for the continue', async () => {
      const ref = track(await Pipeline.start());
      const until = gate();
      const went = GenServer.call(ref, 'goLater', { next: 'step', until: until.promise });
      await sleep(5);
      GenServer.cast(ref, 'note', 'arrived while awaiting');
      until.open();
      await went;
      expect(await GenServer.call(ref, 'log')).to.deep.equal([
        'init',
        'note: sent during init',
        'goLater',
        'step',
        'note: arrived while awaiting',
      ]);
    });

    it('holds for an async continue handler too', async () => {
      const ref = track(await Pipeline.start());
      GenServer.cast(ref, 'go', 'slowStep');
      GenServer.cast(ref, 'note', 'queued');
      expect(await GenServer.call(ref, 'log')).to.deep.equal(['init', 'note: sent during init', 'go', 'slowStep', 'note: queued']);
    });
  });

  it('chains: a continue handler may return { continue } again, and the whole chain runs first', async () => {
    const ref = track(await Pipeline.start());
    GenServer.cast(ref, 'go', 'chain');
    GenServer.cast(ref, 'note', 'queued');
    expect(await GenServer.call(ref, 'log')).to.deep.equal([
      'init',
      'note: sent during init',
      'go',
      'chain',
      'chainAgain',
      'step',
      'note: queued',
    ]);
  });

  it('passes a payload with { continue: [tag, payload] }', async () => {
    const ref = track(await Pipeline.start(['withPayload', { n: 1 }]));
    GenServer.cast(ref, 'go', ['withPayload', 'second']);
    expect(await GenServer.call(ref, 'log')).to.deep.equal([
      'init',
      'withPayload: {"n":1}',
      'note: sent during init',
      'go',
      'withPayload: "second"',
    ]);
  });

  it('a continue handler may stop the server, before the queued messages run', async () => {
    const ref = track(await Pipeline.start());
    const exited = GenServer.awaitExit(ref);
    GenServer.cast(ref, 'go', 'stops');
    const queued = GenServer.call(ref, 'log');
    expect(await exited).to.equal('shutdown');
    expect(await rejectionOf(queued))
      .to.be.instanceOf(ServerExitError)
      .and.to.include({ reason: 'shutdown' });
  });

  describe('misuse', () => {
    it('an unknown continue tag crashes the server with UnknownMessageError naming the tag', async () => {
      const ref = track(await Pipeline.start());
      const exited = GenServer.awaitExit(ref);
      expect(await GenServer.call(ref, 'go', 'nowhere')).to.equal('went');
      const reason = await exited;
      expect(reason).to.be.instanceOf(UnknownMessageError).and.to.include({ tag: 'nowhere', kind: 'continue' });
      expect((reason as Error).message)
        .to.contain("@handleContinue('nowhere')")
        .and.to.contain("'step'");
      expect(logs.filter((e) => e.level === 'error')).to.have.length(1);
    });

    it('an unknown continue tag from init crashes the server once it has started', async () => {
      const ref = track(await Pipeline.start('nowhere'));
      expect(await GenServer.awaitExit(ref))
        .to.be.instanceOf(UnknownMessageError)
        .and.to.include({ tag: 'nowhere' });
    });

    it('reply() from a continue handler is a bad return: the server crashes with BadReturnError', async () => {
      const ref = track(await Pipeline.start());
      const exited = GenServer.awaitExit(ref);
      GenServer.cast(ref, 'go', 'replies');
      const reason = await exited;
      expect(reason).to.be.instanceOf(BadReturnError).and.to.include({ handler: 'Pipeline.replies', tag: 'replies' });
    });

    it('a continue that is neither a tag nor [tag, payload] is a bad return', async () => {
      const ref = track(await Pipeline.start());
      const exited = GenServer.awaitExit(ref);
      GenServer.cast(ref, 'go', 42);
      const reason = await exited;
      expect(reason).to.be.instanceOf(BadReturnError).and.to.include({ handler: 'Pipeline.goQuietly', tag: 'go' });
    });
  });
});
