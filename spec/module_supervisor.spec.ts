import { expect } from 'chai';
import {
  Agent,
  ArgumentError,
  BadReturnError,
  ChildStartError,
  GenServer,
  Supervisor,
  TaskSupervisor,
  ignore,
  init,
  ServerRef,
} from '../lib';
import { captureLogs, rejectionOf, trackServers } from './support/helpers';
import { eventually, refOf, worker } from './support/supervision';

/** A module-based supervisor: its @init gets the start argument and returns children and flags. */
class App extends Supervisor {
  @init
  setup(config: { start: number; strategy?: 'one_for_one' | 'one_for_all' }) {
    return Supervisor.init([Agent.childSpec(() => config.start), [TaskSupervisor, { name: 'module_sup_spec_tasks' }]], {
      strategy: config.strategy ?? 'one_for_one',
      maxRestarts: 1,
    });
  }
}

/** Nests App under another module-based supervisor, with an async @init. */
class Root extends Supervisor {
  @init
  async setup(start: number) {
    await Promise.resolve();
    return Supervisor.init([worker('w'), [App, { start }]]);
  }
}

class Ignored extends Supervisor {
  @init
  setup() {
    return ignore();
  }
}

class Broken extends Supervisor {
  @init
  setup(kind: string) {
    if (kind === 'throws') throw new Error('no children today');
    return { children: [] };
  }
}

class NoInit extends Supervisor {}

describe('Module-based supervisors (a class extending Supervisor)', () => {
  const track = trackServers();
  captureLogs();

  it('App.start(arg) runs @init with arg and starts the children it returns', async () => {
    const app = track(await App.start({ start: 5 }, { name: 'module_sup_spec_app' }));
    expect(GenServer.whereis('module_sup_spec_app')).to.equal(app);
    expect(Supervisor.whichChildren(app).map((c) => c.id)).to.deep.equal(['Agent', 'module_sup_spec_tasks']);
    expect(await Agent.get(refOf(app, 'Agent') as Agent<number>, (n) => n)).to.equal(5);
  });

  it('applies the flags Supervisor.init was given: one_for_all restarts every child', async () => {
    const app = track(await App.start({ start: 1, strategy: 'one_for_all' }));
    const before = refOf(app, 'module_sup_spec_tasks');
    GenServer.exit(refOf(app, 'Agent'), 'crash');
    await eventually('both children restarted', () => {
      const tasks = Supervisor.whichChildren(app).find((c) => c.id === 'module_sup_spec_tasks')?.ref;
      return tasks instanceof ServerRef && tasks !== before;
    });
  });

  it('nests as a child spec: [App, arg] under another module-based supervisor, type supervisor', async () => {
    const root = track(await Root.startLink(3));
    const rows = Supervisor.whichChildren(root);
    expect(rows.map((c) => [c.id, c.type])).to.deep.equal([
      ['w', 'worker'],
      ['App', 'supervisor'],
    ]);
    const app = refOf(root, 'App');
    expect(await Agent.get(refOf(app, 'Agent') as Agent<number>, (n) => n)).to.equal(3);
    expect(App.childSpec({ start: 0 })).to.include({ id: 'App', type: 'supervisor', shutdown: 'infinity', restart: 'permanent' });
    await GenServer.stop(root);
    expect(GenServer.isAlive(app)).to.equal(false);
  });

  it('resolves to undefined when @init returns ignore()', async () => {
    expect(await Ignored.start()).to.equal(undefined);
  });

  it("rejects with @init's error, or BadReturnError when it returns something other than Supervisor.init(...)", async () => {
    expect(((await rejectionOf(Broken.start('throws'))) as Error).message).to.equal('no children today');
    const error = await rejectionOf(Broken.start('returns'));
    expect(error).to.be.instanceOf(BadReturnError).and.to.include({ expected: 'Supervisor.init(children, flags) or ignore()' });
  });

  it('rejects with ArgumentError for a class without @init, or an unknown start option', async () => {
    expect(await rejectionOf(NoInit.start())).to.be.instanceOf(ArgumentError);
    expect(await rejectionOf(App.start({ start: 1 }, { strategy: 'one_for_all' } as never))).to.be.instanceOf(ArgumentError);
  });

  it('Supervisor.init checks children and flags like Supervisor.start, and takes no name', () => {
    expect(() => Supervisor.init('x' as never)).to.throw(ArgumentError);
    expect(() => Supervisor.init([], { strategy: 'all' as never })).to.throw(ArgumentError);
    expect(() => Supervisor.init([], { name: 'n' } as never)).to.throw(ArgumentError);
    expect(() => Supervisor.init([worker('a'), worker('a')])).to.throw(ArgumentError);
  });

  it('a child that fails to start fails the start with ChildStartError', async () => {
    class Failing extends Supervisor {
      @init
      setup() {
        return Supervisor.init([{ id: 'bad', start: () => Promise.reject(new Error('nope')) }]);
      }
    }
    expect(await rejectionOf(Failing.start())).to.be.instanceOf(ChildStartError);
  });
});
