import { expect } from 'chai';
import {
  ArgumentError,
  DuplicateChildError,
  DynamicSupervisor,
  GenServer,
  Registry,
  Supervisor,
  handleCall,
  handleCast,
  init,
  reply,
  stop,
  terminate,
  type ChildSpec,
  type ChildSpecInput,
} from '../lib';
import { captureLogs, rejectionOf, trackServers } from './support/helpers';
import { refOf } from './support/supervision';

// ---- fixtures ---------------------------------------------------------------------------------

/** Every start argument an Echo's init received, in order: proves what started (and what did not). */
const inits: unknown[] = [];

/** Keeps its start argument as its state and tells it back. */
class Echo extends GenServer<unknown> {
  @init
  setup(arg: unknown) {
    inits.push(arg);
    return arg;
  }

  @handleCall('arg')
  arg(_: void, state: unknown) {
    return reply(state, state);
  }

  @handleCast('exit')
  exit(reason: unknown, state: unknown) {
    return stop(reason, state);
  }
}

/** Inherits Echo's handlers and the default childSpec: its id is its own name. */
class LoudEcho extends Echo {}

/** What Cache's terminate saw: stays empty when the child is killed without terminate. */
const cacheTerminations: unknown[] = [];

/** Overrides childSpec for every supervisor: its own id, transient, killed without terminate. */
class Cache extends GenServer<unknown> {
  static override childSpec(arg?: unknown) {
    return { ...super.childSpec(arg ?? 'empty'), id: 'cache', restart: 'transient' as const, shutdown: 'brutal_kill' as const };
  }

  @handleCall('arg')
  arg(_: void, state: unknown) {
    return reply(state, state);
  }

  @handleCast('exit')
  exit(reason: unknown, state: unknown) {
    return stop(reason, state);
  }

  @terminate
  cleanup(reason: unknown) {
    cacheTerminations.push(reason);
  }
}

/** A class that is not a GenServer: it cannot describe itself as a child. */
class NotAServer {}

const start = () => Echo.startLink('object');

// ---- specs ------------------------------------------------------------------------------------

describe('GenServer.childSpec()', () => {
  const track = trackServers();
  beforeEach(() => (inits.length = 0));

  it("defaults to id = the class name, restart 'permanent', shutdown 5000 and type 'worker'", () => {
    const spec = Echo.childSpec(42);
    expect(spec).to.include({ id: 'Echo', restart: 'permanent', shutdown: 5000, type: 'worker' });
    expect(spec.start).to.be.a('function');
  });

  it('starts the class with startLink(arg)', async () => {
    const ref = track(await Echo.childSpec(42).start());
    expect(GenServer.isAlive(ref!)).to.equal(true);
    expect(await GenServer.call(ref!, 'arg')).to.equal(42);
    expect(inits).to.deep.equal([42]);
  });

  it("names a subclass's spec after the subclass", () => {
    expect(LoudEcho.childSpec()).to.include({ id: 'LoudEcho' });
  });

  it('can be overridden by a class, and every supervisor then uses the override', async () => {
    cacheTerminations.length = 0;
    const sup = track(await Supervisor.start([[Cache, 'warm']]));
    expect(Supervisor.whichChildren(sup).map((c) => c.id)).to.deep.equal(['cache']);
    expect(await GenServer.call(refOf(sup, 'cache'), 'arg')).to.equal('warm');

    // 'brutal_kill': terminate never runs.
    await Supervisor.terminateChild(sup, 'cache');
    expect(cacheTerminations).to.deep.equal([]);

    // 'transient': a normal exit is not restarted.
    const ref = (await Supervisor.restartChild(sup, 'cache'))!;
    GenServer.cast(ref, 'exit', 'normal');
    await GenServer.awaitExit(ref);
    await GenServer.getState(sup);
    expect(Supervisor.whichChildren(sup)).to.deep.equal([{ id: 'cache', ref: undefined, type: 'worker' }]);
  });
});

describe('Child spec forms', () => {
  const track = trackServers();
  beforeEach(() => (inits.length = 0));

  it('takes a class: Class.childSpec(undefined), so init gets undefined', async () => {
    const sup = track(await Supervisor.start([Echo]));
    expect(Supervisor.whichChildren(sup))
      .to.have.length(1)
      .and.to.deep.include({ id: 'Echo', ref: refOf(sup, 'Echo'), type: 'worker' });
    expect(inits).to.deep.equal([undefined]);
  });

  it('takes [Class, arg]: Class.childSpec(arg)', async () => {
    const sup = track(await Supervisor.start([[Echo, { port: 80 }]]));
    expect(await GenServer.call(refOf(sup, 'Echo'), 'arg')).to.deep.equal({ port: 80 });
  });

  it('takes a full spec object, filling in the defaults', async () => {
    const sup = track(await Supervisor.start([{ id: 'echo', start }]));
    expect(Supervisor.whichChildren(sup)).to.deep.equal([{ id: 'echo', ref: refOf(sup, 'echo'), type: 'worker' }]);
    expect(await GenServer.call(refOf(sup, 'echo'), 'arg')).to.equal('object');
  });

  it('takes the three forms mixed, in Supervisor.startChild and DynamicSupervisor.startChild too', async () => {
    const sup = track(await Supervisor.start([Echo, [LoudEcho, 'loud'], { id: 'echo', start }]));
    expect(Supervisor.whichChildren(sup).map((c) => c.id)).to.deep.equal(['Echo', 'LoudEcho', 'echo']);
    await Supervisor.startChild(sup, Cache);
    expect(Supervisor.countChildren(sup)).to.deep.equal({ specs: 4, active: 4, supervisors: 0, workers: 4 });

    const dyn = track(await DynamicSupervisor.start());
    for (const form of [Echo, [Echo, 'arg'], { id: 'any', start }] as ChildSpecInput[]) {
      expect(GenServer.isAlive((await DynamicSupervisor.startChild(dyn, form))!)).to.equal(true);
    }
    expect(DynamicSupervisor.countChildren(dyn).active).to.equal(3);
  });
});

describe('Invalid child specs', () => {
  const track = trackServers();
  captureLogs();
  beforeEach(() => (inits.length = 0));

  const cases: [what: string, input: unknown, field: string][] = [
    ['a number', 42, 'child'],
    ['[Class] without its argument', [Echo], 'child'],
    ['[Class, arg, extra]', [Echo, 1, 2], 'child'],
    ['a class that is not a GenServer', NotAServer, 'child'],
    ['[Class, arg] whose class is not a GenServer', [NotAServer, 1], 'child[0]'],
    ['a spec without id', { start }, 'child.id'],
    ['an empty id', { id: '', start }, 'child.id'],
    ['a spec without start', { id: 'x' }, 'child.start'],
    ["restart: 'always'", { id: 'x', start, restart: 'always' }, 'child.restart'],
    ['a negative shutdown', { id: 'x', start, shutdown: -1 }, 'child.shutdown'],
    ["shutdown: 'soon'", { id: 'x', start, shutdown: 'soon' }, 'child.shutdown'],
    ["type: 'manager'", { id: 'x', start, type: 'manager' }, 'child.type'],
  ];

  for (const [what, input, field] of cases) {
    it(`rejects ${what} with an ArgumentError naming \`${field}\`, before any child starts`, async () => {
      const error = await rejectionOf(Supervisor.start([[Echo, 'first'], input as ChildSpecInput]));
      expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: field });
      expect((error as Error).message).to.include(`\`${field}\``);
      expect(inits).to.deep.equal([]);
    });
  }

  it('rejects an invalid spec in Supervisor.startChild, and the supervisor runs on unchanged', async () => {
    const sup = track(await Supervisor.start([Echo]));
    const error = await rejectionOf(Supervisor.startChild(sup, { id: 'x', start, restart: 'always' } as unknown as ChildSpec));
    expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: 'child.restart' });
    expect(GenServer.isAlive(sup)).to.equal(true);
    expect(Supervisor.whichChildren(sup).map((c) => c.id)).to.deep.equal(['Echo']);
  });

  it('rejects an invalid spec in DynamicSupervisor.startChild without starting anything', async () => {
    const dyn = track(await DynamicSupervisor.start());
    const error = await rejectionOf(DynamicSupervisor.startChild(dyn, { id: 'x' } as unknown as ChildSpec));
    expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: 'child.start' });
    expect(DynamicSupervisor.countChildren(dyn).specs).to.equal(0);
    expect(inits).to.deep.equal([]);
  });
});

describe('Duplicate child ids', () => {
  const track = trackServers();
  beforeEach(() => (inits.length = 0));

  it('are rejected by Supervisor.start with an ArgumentError naming the id, before any child starts', async () => {
    const error = await rejectionOf(Supervisor.start([[Echo, 1], { id: 'other', start }, [Echo, 2]]));
    expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: 'children', value: 'Echo' });
    expect(inits).to.deep.equal([]);
  });

  it('are rejected by Supervisor.startChild with DuplicateChildError, without starting the child', async () => {
    const sup = track(await Supervisor.start([[Echo, 1]]));
    const error = await rejectionOf(Supervisor.startChild(sup, [Echo, 2]));
    expect(error)
      .to.be.instanceOf(DuplicateChildError)
      .and.to.include({ supervisor: sup, id: 'Echo', ref: refOf(sup, 'Echo') });
    expect(inits).to.deep.equal([1]);
  });

  it('do not matter to a DynamicSupervisor, whose children are known by ref', async () => {
    const dyn = track(await DynamicSupervisor.start());
    const a = await DynamicSupervisor.startChild(dyn, [Echo, 1]);
    const b = await DynamicSupervisor.startChild(dyn, [Echo, 2]);
    expect(a).to.not.equal(b);
    expect(DynamicSupervisor.countChildren(dyn).active).to.equal(2);
  });
});

describe('Child spec ids from names', () => {
  const track = trackServers();

  class RoomsRegistry {}
  class TopicsRegistry {}

  it('are distinct for via- and class-named DynamicSupervisors, Supervisors and Registries, so several run under one parent', async () => {
    track(await Registry.start({ keys: 'unique', name: 'names' }));
    const via = (key: string) => Registry.via('names', key);
    const sup = track(
      await Supervisor.start([
        [DynamicSupervisor, { name: via('rooms') }],
        [DynamicSupervisor, { name: via('users') }],
        [Supervisor, [[], { name: via('a') }]],
        [Supervisor, [[], { name: via('b') }]],
        [Registry, { keys: 'unique', name: RoomsRegistry }],
        [Registry, { keys: 'duplicate', name: TopicsRegistry }],
      ]),
    );
    expect(Supervisor.whichChildren(sup).map((c) => c.id)).to.deep.equal([
      "via('names', 'rooms')",
      "via('names', 'users')",
      "via('names', 'a')",
      "via('names', 'b')",
      'RoomsRegistry',
      'TopicsRegistry',
    ]);
    expect(await Supervisor.startChild(sup, [DynamicSupervisor, { name: via('more') }])).to.equal(GenServer.whereis(via('more')));
    const error = await rejectionOf(Supervisor.startChild(sup, [DynamicSupervisor, { name: via('rooms') }]));
    expect(error).to.be.instanceOf(DuplicateChildError).and.to.include({ id: "via('names', 'rooms')" });
  });

  it('stay the defaults without a name, and the name itself for a string name', () => {
    expect([DynamicSupervisor.childSpec().id, Supervisor.childSpec().id, Registry.childSpec({ keys: 'unique' }).id]).to.deep.equal([
      'DynamicSupervisor',
      'Supervisor',
      'Registry',
    ]);
    expect(DynamicSupervisor.childSpec({ name: 'rooms' }).id).to.equal('rooms');
  });
});
