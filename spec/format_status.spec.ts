import { expect } from 'chai';
import { inspect } from 'node:util';
import {
  CallingSelfError,
  DecoratorError,
  GenServer,
  NoProcError,
  Observer,
  formatStatus,
  handleCall,
  handleCast,
  noreply,
  reply,
  stop,
  type FormattedStatus,
  type ServerRef,
  type Status,
} from '../lib';
import { captureLogs, gate, rejectionOf, sleep, trackServers, type LogEntry } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

const SECRET = 'hunter2';

interface Session {
  user: string;
  token: string;
}

/** Holds a secret token; its `@formatStatus` hides the token in the state and in `login` payloads. */
class Vault extends GenServer<Session> {
  @handleCall('whoami')
  whoami(_: void, s: Session) {
    return reply(s.user, s);
  }

  @handleCall('token')
  token(_: void, s: Session) {
    return reply(s.token, s);
  }

  @handleCast('login')
  login(token: string, s: Session) {
    return noreply({ ...s, token });
  }

  @handleCall('hold')
  async hold(until: Promise<void>, s: Session) {
    await until;
    return reply('held', s);
  }

  @handleCast('crash')
  crash(_: unknown, s: Session): never {
    throw new Error(`lost session of ${s.user}`);
  }

  @handleCast('stop')
  quit(_: unknown, s: Session) {
    return stop({ because: s.token }, s);
  }

  @handleCall('statusOfSelf')
  statusOfSelf(_: void, s: Session) {
    return GenServer.getStatus(this.self).then(
      () => reply('no error', s),
      (error: unknown) => reply(error, s),
    );
  }

  @formatStatus
  redact(status: Status<Session>): FormattedStatus {
    const hide = <M extends { tag: string; payload: unknown }>(m: M): M =>
      m.tag === 'login' || m.tag === 'token' ? { ...m, payload: '<token>' } : m;
    const reason = status.reason as { because?: unknown } | undefined;
    return {
      state: { ...status.state, token: '<token>' },
      ...(status.message && { message: hide(status.message) }),
      ...(status.messages && { messages: status.messages.map(hide) }),
      ...(reason?.because !== undefined && { reason: { because: '<token>' } }),
    };
  }
}

/** No `@formatStatus`: every view shows the state as it is. */
class Plain extends GenServer<Session> {
  @handleCall('whoami')
  whoami(_: void, s: Session) {
    return reply(s.user, s);
  }

  @handleCall('hold')
  async hold(until: Promise<void>, s: Session) {
    await until;
    return reply('held', s);
  }

  @handleCast('login')
  login(token: string, s: Session) {
    return noreply({ ...s, token });
  }
}

/** A formatter chosen per test, to throw or return something hostile. */
let hostile: (status: Status<Session>) => unknown = () => ({});

class Hostile extends Plain {
  @handleCast('crash')
  crash(): never {
    throw new Error('crashed on purpose');
  }

  @formatStatus
  format(status: Status<Session>): FormattedStatus {
    return hostile(status) as FormattedStatus;
  }
}

const session = (): Session => ({ user: 'ada', token: SECRET });
const everything = (logs: readonly LogEntry[]): string => inspect(logs, { depth: 20 });

// ---- specs ------------------------------------------------------------------------------------

describe('@formatStatus and GenServer.getStatus()', () => {
  const track = trackServers();
  const logs = captureLogs();

  describe('GenServer.getStatus()', () => {
    it('resolves to the status: ref, class, name, status, parent, state, queued messages and counters', async () => {
      const ref = track(await Plain.start(session(), { name: 'plain-status' }));
      await GenServer.call(ref, 'whoami');
      const status = await GenServer.getStatus(ref);
      expect(status).to.deep.equal({
        ref,
        className: 'Plain',
        name: 'plain-status',
        status: 'running',
        parent: undefined,
        state: session(),
        messages: [],
        mailboxLength: 0,
        handled: 1,
        trapExits: false,
        tracing: false,
        formatted: false,
      });
    });

    it('is served between two messages, and lists the messages still queued, oldest first', async () => {
      const ref = track(await Plain.start(session()));
      const until = gate();
      const holding = GenServer.call(ref, 'hold', until.promise);
      await sleep(5);
      GenServer.cast(ref, 'login', 'abc');
      const calling = GenServer.call(ref, 'whoami');
      const status = GenServer.getStatus(ref);
      until.open();
      const { messages, mailboxLength, state } = await status;
      expect(state).to.deep.equal(session());
      expect(mailboxLength).to.equal(2);
      expect(messages).to.deep.equal([
        { kind: 'cast', tag: 'login', payload: 'abc' },
        { kind: 'call', tag: 'whoami', payload: undefined },
      ]);
      await Promise.all([holding, calling]);
    });

    it('names the parent of a server started with startLink', async () => {
      class Parent extends GenServer<ServerRef | undefined> {
        @handleCall('spawn')
        async spawn(_: void) {
          const child = await Plain.startLink(session());
          return reply(child, child);
        }
      }
      const parent = track(await Parent.start(undefined));
      const child = track((await GenServer.call(parent, 'spawn')) as ServerRef);
      expect((await GenServer.getStatus(child)).parent).to.equal(parent);
    });

    it('rejects with NoProcError for a dead server and CallingSelfError from the server itself', async () => {
      const ref = await Plain.start(session());
      await GenServer.stop(ref);
      expect(await rejectionOf(GenServer.getStatus(ref))).to.be.instanceOf(NoProcError);
      const vault = track(await Vault.start(session()));
      expect(await GenServer.call(vault, 'statusOfSelf')).to.be.instanceOf(CallingSelfError);
    });

    it('shows the state and the queued messages as @formatStatus does, and says so', async () => {
      const ref = track(await Vault.start(session()));
      const until = gate();
      const holding = GenServer.call(ref, 'hold', until.promise);
      await sleep(5);
      GenServer.cast(ref, 'login', 'new-secret');
      const status = GenServer.getStatus(ref);
      until.open();
      const { state, messages, formatted } = await status;
      expect(formatted).to.equal(true);
      expect(state).to.deep.equal({ user: 'ada', token: '<token>' });
      expect(messages).to.deep.equal([{ kind: 'cast', tag: 'login', payload: '<token>' }]);
      await holding;
      expect(await GenServer.getState(ref), 'getState is the raw state, for code').to.deep.equal({ user: 'ada', token: 'new-secret' });
    });
  });

  describe('what views show through @formatStatus', () => {
    it('crash reports show the state, the last message and the reason as formatted, in the text and the details', async () => {
      const ref = await Vault.start(session());
      const exited = GenServer.awaitExit(ref);
      GenServer.cast(ref, 'login', 'other-secret');
      GenServer.cast(ref, 'stop');
      expect(await exited).to.deep.equal({ because: 'other-secret' }, 'links and monitors get the real reason');
      const report = logs.find((e) => e.level === 'error')!;
      expect(report.message).to.include("last message: cast 'stop'").and.include("token: '<token>'").and.include('<token>');
      expect(report.details).to.deep.include({ state: { user: 'ada', token: '<token>' }, reason: { because: '<token>' } });
      expect(everything(logs)).not.to.include('secret').and.not.to.include(SECRET);
    });

    it('crash reports redact the payload of the message that crashed the server', async () => {
      class Leaky extends Vault {
        @handleCast('login')
        override login(): never {
          throw new Error('bad login');
        }
      }
      const ref = await Leaky.start(session());
      const exited = GenServer.awaitExit(ref);
      GenServer.cast(ref, 'login', 'leaked-secret');
      await exited;
      expect(logs.find((e) => e.level === 'error')!.message).to.include("last message: cast 'login' with '<token>'");
      expect(everything(logs)).not.to.include('leaked-secret').and.not.to.include(SECRET);
    });

    it('tracing shows messages in, replies out and states as formatted', async () => {
      const ref = track(await Vault.start(session(), { trace: true }));
      GenServer.cast(ref, 'login', 'traced-secret');
      expect(await GenServer.call(ref, 'token')).to.equal('traced-secret');
      const lines = logs.filter((e) => e.level === 'info').map((e) => e.message);
      expect(lines.join('\n')).to.include("in: cast 'login' '<token>'").and.include("in: call 'token'").and.include("out: reply '<token>'");
      expect(lines.join('\n')).not.to.include('traced-secret').and.not.to.include(SECRET);
    });

    it('GenServer.info shows the exit reason as formatted', async () => {
      const ref = await Vault.start(session());
      GenServer.cast(ref, 'stop');
      await GenServer.awaitExit(ref);
      expect(GenServer.info(ref).exitReason).to.deep.equal({ because: '<token>' });
    });

    it('a cast nobody handles is logged with its payload as formatted', async () => {
      const ref = track(await Vault.start(session()));
      GenServer.cast(ref, 'token', SECRET); // 'token' is a call of Vault, not a cast: logged and dropped
      await GenServer.call(ref, 'whoami');
      expect(logs.find((e) => e.level === 'warn')!.details).to.include({ tag: 'token', payload: '<token>' });
      expect(everything(logs)).not.to.include(SECRET);
    });

    it("the Observer's detail pane shows the state as formatted", async () => {
      const ref = track(await Vault.start(session()));
      const observer = await Observer.start();
      try {
        const url = new URL(`/api/servers/${ref.id}`, observer.baseUrl);
        url.searchParams.set('token', observer.token);
        const detail = (await (await fetch(url)).json()) as { state: string };
        expect(detail.state).to.include('<token>').and.not.include(SECRET);
      } finally {
        await observer.stop();
      }
    });

    it('without @formatStatus, every view shows the state as it is', async () => {
      const ref = await Plain.start(session(), { trace: true });
      await GenServer.call(ref, 'whoami');
      expect((await GenServer.getStatus(ref)).state).to.deep.equal(session());
      await GenServer.stop(ref, 'boom');
      expect(everything(logs)).to.include(SECRET);
    });
  });

  describe('a @formatStatus that fails', () => {
    const cases: [string, (status: Status<Session>) => unknown, RegExp][] = [
      [
        'throws',
        (s) => {
          throw new Error(`cannot format ${s.state.token}`);
        },
        /Hostile\.format \(@formatStatus\) threw Error/,
      ],
      ['returns a number', () => 42, /did not return an object/],
      ['returns null', () => null, /did not return an object/],
      ['returns an unknown key (a typo would leak the state)', (s) => ({ sate: { ...s.state, token: 'x' } }), /unknown key sate/],
      ['returns a promise that rejects', () => Promise.reject(new Error('late')), /returned a promise/],
      [
        'returns a revoked Proxy',
        () => {
          const { proxy, revoke } = Proxy.revocable({}, {});
          revoke();
          return proxy;
        },
        /unreadable value/,
      ],
      [
        'returns an object whose getter throws',
        () => ({
          get state(): never {
            throw new Error('getter');
          },
        }),
        /unreadable value/,
      ],
    ];

    for (const [what, formatter, placeholder] of cases) {
      it(`${what}: every view shows a placeholder, never the state, and the server runs on`, async () => {
        hostile = formatter;
        const ref = track(await Hostile.start(session(), { trace: true }));
        GenServer.cast(ref, 'login', SECRET);
        const status = await GenServer.getStatus(ref);
        expect(status.state).to.be.a('string').and.match(placeholder);
        expect(await GenServer.call(ref, 'whoami')).to.equal('ada');
        const exited = GenServer.awaitExit(ref);
        GenServer.cast(ref, 'crash');
        await exited;
        const report = logs.find((e) => e.level === 'error')!;
        expect(report.message).to.match(placeholder).and.include('crashed on purpose', 'the reason stays');
        expect(everything(logs)).not.to.include(SECRET);
        expect(inspect(status)).not.to.include(SECRET);
      });
    }
  });

  describe('@formatStatus as a decorator', () => {
    it('rejects a second @formatStatus in one class while the class is being defined', () => {
      expect(() => {
        class Twice extends GenServer<number> {
          @formatStatus
          one(status: Status<number>) {
            return { state: status.state };
          }
          @formatStatus
          two(status: Status<number>) {
            return { state: status.state };
          }
        }
        return Twice;
      }).to.throw(DecoratorError, /a second @formatStatus/);
    });

    it('rejects a static method while the class is being defined', () => {
      expect(() => {
        class OnStatic extends GenServer<number> {
          @formatStatus
          static redact(status: Status<number>) {
            return { state: status.state };
          }
        }
        return OnStatic;
      }).to.throw(DecoratorError, /static/);
    });

    it('rejects arguments: it is written @formatStatus on a method', () => {
      expect(() => (formatStatus as unknown as (x: unknown) => unknown)('state')).to.throw(DecoratorError, /takes no arguments/);
    });

    it('is inherited, and a subclass may override it', async () => {
      class Child extends Vault {}
      class Shown extends Vault {
        @formatStatus
        override redact(status: Status<Session>) {
          return { state: `${status.state.user} (shown)` };
        }
      }
      expect((await GenServer.getStatus(track(await Child.start(session())))).state).to.deep.equal({ user: 'ada', token: '<token>' });
      expect((await GenServer.getStatus(track(await Shown.start(session())))).state).to.equal('ada (shown)');
    });
  });
});
