import { expect } from 'chai';
import { GenServer, ServerExitError, handleCall, init, noreply, reply, stop, type ServerRef } from '../lib';
import { tracksAwait } from '../lib/process/context';
import { captureLogs, rejectionOf, sleep, trackServers } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

type How = 'start' | 'startLink' | 'this.link() after an await' | 'startLink after an await';

/** A server that can start another one (linked or not), from init or from a handler. */
class Member extends GenServer<ServerRef | undefined> {
  @init
  async setup(spawn?: How) {
    return spawn === undefined ? undefined : await this.spawnChild(spawn);
  }

  @handleCall('spawn')
  async spawn(how: How, child: ServerRef | undefined) {
    const ref = await this.spawnChild(how);
    return reply(ref, child ?? ref);
  }

  @handleCall('child')
  child(_: void, child: ServerRef | undefined) {
    return reply(child, child);
  }

  @handleCall('crash')
  crash(message: string): never {
    throw new Error(message);
  }

  @handleCall('park')
  park(_: void, child: ServerRef | undefined) {
    return noreply(child);
  }

  private async spawnChild(how: How): Promise<ServerRef> {
    if (how === 'start') return Member.start();
    if (how === 'startLink after an await') {
      await sleep(1);
      return Member.startLink();
    }
    if (how === 'this.link() after an await') {
      // After an await Node cannot tell which server runs (see lib/process/context.ts), so startLink
      // would link nothing: the documented way is start, then this.link().
      await sleep(1);
      const ref = await Member.start();
      this.link(ref);
      return ref;
    }
    return Member.startLink();
  }
}

/** Starts a parent and, from one of its handlers, a child. */
async function family(how: How, track: <R extends ServerRef | undefined>(ref: R) => R, name?: string): Promise<[ServerRef, ServerRef]> {
  const parent = track(await Member.start(undefined, name === undefined ? undefined : { name }));
  const child = track((await GenServer.call(parent, 'spawn', how)) as ServerRef);
  return [parent, child];
}

// ---- specs ------------------------------------------------------------------------------------

describe('GenServer.startLink() from inside a server', () => {
  const track = trackServers();
  captureLogs();

  it('links the child: its crash ends the parent with the same reason, failing the callers waiting on the parent', async () => {
    const [parent, child] = await family('startLink', track, 'parent');
    const waiting = GenServer.call(parent, 'park');
    const crash = (await rejectionOf(GenServer.call(child, 'crash', 'child failed'))) as ServerExitError;
    expect(await GenServer.awaitExit(parent)).to.equal(crash.reason);
    const error = await rejectionOf(waiting);
    expect(error).to.be.instanceOf(ServerExitError).and.to.include({ server: parent, reason: crash.reason });
    expect(GenServer.whereis('parent')).to.equal(undefined);
  });

  it('links the parent: its crash ends the child with the same reason', async () => {
    const [parent, child] = await family('startLink', track);
    const crash = (await rejectionOf(GenServer.call(parent, 'crash', 'parent failed'))) as ServerExitError;
    expect(await GenServer.awaitExit(child)).to.equal(crash.reason);
  });

  it("does not carry 'normal' exits: either side may stop normally and the other runs on", async () => {
    const [parent, child] = await family('startLink', track);
    await GenServer.stop(child);
    await sleep(10);
    expect(GenServer.isAlive(parent)).to.equal(true);

    const other = track((await GenServer.call(parent, 'spawn', 'startLink')) as ServerRef);
    await GenServer.stop(parent);
    await sleep(10);
    expect(GenServer.isAlive(other)).to.equal(true);
    await GenServer.stop(other);
  });

  it('links a server started from init', async () => {
    const parent = track(await Member.start('startLink'));
    const child = track((await GenServer.call(parent, 'child')) as ServerRef);
    await rejectionOf(GenServer.call(child, 'crash', 'child failed'));
    expect(await GenServer.awaitExit(parent)).to.have.property('message', 'child failed');
  });

  it('links a server started after an await in the handler when the handler links it with this.link()', async () => {
    const [parent, child] = await family('this.link() after an await', track);
    await rejectionOf(GenServer.call(child, 'crash', 'child failed'));
    await sleep(10);
    expect(GenServer.isAlive(parent)).to.equal(false);
  });

  it(`startLink after an await in an async handler ${tracksAwait ? 'links the child (this Node tracks the running server)' : 'links nothing (this Node cannot tell the running server)'}`, async () => {
    const [parent, child] = await family('startLink after an await', track);
    expect(GenServer.info(child).links).to.deep.equal(tracksAwait ? [parent] : []);
    await rejectionOf(GenServer.call(child, 'crash', 'child failed'));
    await sleep(10);
    expect(GenServer.isAlive(parent)).to.equal(!tracksAwait);
  });

  it('plain start() from a handler links nothing: the child may crash alone', async () => {
    const [parent, child] = await family('start', track);
    await rejectionOf(GenServer.call(child, 'crash', 'child failed'));
    await sleep(10);
    expect(GenServer.isAlive(parent)).to.equal(true);
    await GenServer.stop(parent);
  });
});

// ---- a child started by an init that then fails ---------------------------------------------------

type Failure = 'throws' | 'returns stop()' | 'outlasts its start timeout';

/** Its init startLinks a child (handing its ref out), then fails as told. */
class FailingParent extends GenServer<unknown> {
  @init
  async setup({ failure, children }: { failure: Failure; children: ServerRef[] }) {
    children.push(await Child.startLink());
    if (failure === 'throws') throw new Error('init failed');
    if (failure === 'returns stop()') return stop('init gave up', undefined);
    return new Promise<never>(() => undefined); // never finishes: the start timeout ends it
  }
}

class Child extends GenServer<unknown> {}

describe('a child started with startLink by an @init that then fails', () => {
  const track = trackServers();
  captureLogs();

  for (const failure of ['throws', 'returns stop()', 'outlasts its start timeout'] as const) {
    it(`dies with it when init ${failure}, as OTP's linked child does`, async () => {
      const children: ServerRef[] = [];
      await rejectionOf(FailingParent.start({ failure, children }, { timeout: 50 }));
      expect(children).to.have.length(1);
      track(children[0]);
      await sleep(5);
      expect(GenServer.isAlive(children[0])).to.equal(false);
    });
  }
});
