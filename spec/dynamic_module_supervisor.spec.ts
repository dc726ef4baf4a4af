import { expect } from 'chai';
import { ArgumentError, DynamicSupervisor, GenServer, MaxChildrenError, Supervisor, handleCall, init, reply, type ServerRef } from '../lib';
import { captureLogs, rejectionOf, trackServers } from './support/helpers';

/** A child that keeps its start argument, to show what extraArguments prepend. */
class Keeper extends GenServer<unknown> {
  @init
  setup(arg: unknown) {
    return arg;
  }

  @handleCall('arg')
  arg(_: void, state: unknown) {
    return reply(state, state);
  }
}

/** A module-based DynamicSupervisor: flags from @init, including extraArguments. */
class Rooms extends DynamicSupervisor {
  @init
  setup(config: { max: number; region: string }) {
    return DynamicSupervisor.init({ maxChildren: config.max, extraArguments: [config.region] });
  }
}

describe('Module-based DynamicSupervisors and extraArguments', () => {
  const track = trackServers();
  captureLogs();

  it('Rooms.start(arg) runs @init and applies the flags DynamicSupervisor.init returns', async () => {
    const rooms = track(await Rooms.start({ max: 1, region: 'eu' }, { name: 'dyn_module_spec_rooms' }));
    expect(GenServer.whereis('dyn_module_spec_rooms')).to.equal(rooms);
    await DynamicSupervisor.startChild(rooms, [Keeper, 'lobby']);
    expect(await rejectionOf(DynamicSupervisor.startChild(rooms, [Keeper, 'hall']))).to.be.instanceOf(MaxChildrenError);
  });

  it("extraArguments are prepended to a [Class, arg] child's argument, as in Elixir", async () => {
    const rooms = track(await Rooms.start({ max: 10, region: 'eu' }));
    const child = (await DynamicSupervisor.startChild(rooms, [Keeper, 'lobby']))!;
    expect(await GenServer.call(child, 'arg')).to.deep.equal(['eu', 'lobby']);
  });

  it("extraArguments are passed to a spec's start function", async () => {
    const dyn = track(await DynamicSupervisor.start({ extraArguments: ['eu', 7] }));
    const child = (await DynamicSupervisor.startChild(dyn, {
      id: 'k',
      start: (region: string, n: number) => Keeper.startLink(`${region}-${n}`),
    }))!;
    expect(await GenServer.call(child, 'arg')).to.equal('eu-7');
  });

  it('nests as [Rooms, arg] under a Supervisor, type supervisor', async () => {
    const sup = track(await Supervisor.start([[Rooms, { max: 2, region: 'us' }]]));
    expect(Supervisor.whichChildren(sup).map((c) => [c.id, c.type])).to.deep.equal([['Rooms', 'supervisor']]);
    const rooms = Supervisor.whichChildren(sup)[0].ref as ServerRef;
    const child = (await DynamicSupervisor.startChild(rooms, [Keeper, 'x']))!;
    expect(await GenServer.call(child, 'arg')).to.deep.equal(['us', 'x']);
  });

  it('rejects extraArguments that are not an array with ArgumentError', async () => {
    expect(await rejectionOf(DynamicSupervisor.start({ extraArguments: 'eu' as never }))).to.be.instanceOf(ArgumentError);
    expect(() => DynamicSupervisor.init({ name: 'x' } as never)).to.throw(ArgumentError);
  });
});
