import { expect } from 'chai';
import {
  AlreadyStartedError,
  ArgumentError,
  BadReturnError,
  CallTimeoutError,
  CallingSelfError,
  DecoratorError,
  GenServer,
  GenServerError,
  NoProcError,
  ServerExitError,
  StopTimeoutError,
  UnknownMessageError,
  handleCall,
  noreply,
  reply,
  terminate,
  type ServerRef,
} from '../lib';
import { captureLogs, rejectionOf, sleep, trackServers } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

/** One server that can be made to raise each error; its state is how long terminate takes. */
class Subject extends GenServer<number> {
  @handleCall('get')
  get(_: void, ms: number) {
    return reply(ms, ms);
  }

  @handleCall('park')
  park(_: void, ms: number) {
    return noreply(ms);
  }

  @handleCall('crash')
  crash(): never {
    throw new Error('boom');
  }

  @handleCall('bad')
  bad() {
    return 'not a reply' as never;
  }

  @handleCall('callSelf')
  callSelf(_: void, ms: number) {
    // The call rejects at once (CallingSelfError), and the handler answers with that error.
    return GenServer.call(this.self, 'get').then(
      (value) => reply(value, ms),
      (error: unknown) => reply(error, ms),
    );
  }

  @terminate
  async slowly(_reason: unknown, ms: number) {
    await sleep(ms);
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('errors', () => {
  const track = trackServers();
  captureLogs();
  const subject = async (name?: string, terminateMs = 0): Promise<ServerRef> =>
    track(await Subject.start(terminateMs, name === undefined ? undefined : { name }));

  /** Each error as the library raises it, with the fields it must carry and a text its message must name. */
  const cases: Record<string, () => Promise<{ error: unknown; fields: Record<string, unknown>; names: string }>> = {
    async CallTimeoutError() {
      const ref = await subject();
      const error = await rejectionOf(GenServer.call(ref, 'park', undefined, 20));
      return { error, fields: { server: ref, tag: 'park', timeout: 20 }, names: String(ref) };
    },
    async NoProcError() {
      const error = await rejectionOf(GenServer.call('ghost', 'get'));
      return { error, fields: { server: 'ghost' }, names: "'ghost'" };
    },
    async AlreadyStartedError() {
      const ref = await subject('taken_name');
      const error = await rejectionOf(Subject.start(0, { name: 'taken_name' }));
      return { error, fields: { serverName: 'taken_name', ref }, names: "'taken_name'" };
    },
    async UnknownMessageError() {
      await subject('picky');
      const error = await rejectionOf(GenServer.call('picky', 'dance'));
      return { error, fields: { server: 'picky', tag: 'dance' }, names: "'picky'" };
    },
    async CallingSelfError() {
      const ref = await subject();
      const error = await GenServer.call(ref, 'callSelf', undefined, 1000);
      return { error, fields: { server: ref }, names: String(ref) };
    },
    async ServerExitError() {
      const ref = await subject();
      const error = await rejectionOf(GenServer.call(ref, 'crash'));
      const reason = (error as ServerExitError).reason;
      expect(reason).to.be.instanceOf(Error).and.to.have.property('message', 'boom');
      expect((error as Error).cause).to.equal(reason);
      return { error, fields: { server: ref, reason }, names: String(ref) };
    },
    async StopTimeoutError() {
      const ref = await subject(undefined, 60);
      const exited = GenServer.awaitExit(ref);
      const error = await rejectionOf(GenServer.stop(ref, 'normal', 10));
      await exited;
      return { error, fields: { server: ref, timeout: 10 }, names: String(ref) };
    },
    async BadReturnError() {
      const ref = await subject();
      const error = ((await rejectionOf(GenServer.call(ref, 'bad'))) as ServerExitError).reason;
      return { error, fields: { server: ref, handler: 'Subject.bad', tag: 'bad', value: 'not a reply' }, names: String(ref) };
    },
    async ArgumentError() {
      const ref = await subject();
      const error = await rejectionOf(GenServer.call(ref, 42 as never));
      await GenServer.stop(ref);
      return { error, fields: { argument: 'tag', value: 42 }, names: '`tag`' };
    },
    async DecoratorError() {
      let error: unknown;
      try {
        class Misused extends GenServer {
          @handleCall('x') static x() {
            return noreply(0);
          }
        }
        void Misused;
      } catch (thrown) {
        error = thrown;
      }
      return { error, fields: { decorator: 'handleCall', member: 'Misused.x' }, names: 'Misused.x' };
    },
  };

  const classes: Record<string, Function> = {
    CallTimeoutError,
    NoProcError,
    AlreadyStartedError,
    UnknownMessageError,
    CallingSelfError,
    ServerExitError,
    StopTimeoutError,
    BadReturnError,
    ArgumentError,
    DecoratorError,
  };

  for (const [name, raise] of Object.entries(cases)) {
    describe(name, () => {
      it(`is a GenServerError named '${name}', with its fields, whose message names the culprit`, async () => {
        const { error, fields, names } = await raise();
        expect(error).to.be.instanceOf(classes[name]);
        expect(error).to.be.instanceOf(GenServerError).and.to.be.instanceOf(Error);
        expect(error).to.have.property('name', name);
        expect(error).to.include(fields);
        expect((error as Error).message).to.contain(names);
      });
    });
  }

  describe('messages', () => {
    it('UnknownMessageError lists the tags the server does accept', async () => {
      await subject('choosy');
      const error = (await rejectionOf(GenServer.call('choosy', 'dance'))) as UnknownMessageError;
      for (const tag of ['get', 'park', 'crash', 'bad', 'callSelf']) expect(error.message).to.contain(`'${tag}'`);
    });

    it('BadReturnError names the handler method, its tag and the value', async () => {
      const ref = await subject();
      const error = ((await rejectionOf(GenServer.call(ref, 'bad'))) as ServerExitError).reason as Error;
      expect(error.message).to.contain('Subject.bad').and.to.contain("'bad'").and.to.contain('not a reply');
    });
  });
});
