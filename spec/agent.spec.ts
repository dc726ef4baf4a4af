import { expect } from 'chai';
import {
  Agent,
  AlreadyStartedError,
  ArgumentError,
  CallTimeoutError,
  GenServer,
  NoProcError,
  ServerExitError,
  Supervisor,
  handleCall,
  init,
  reply,
  ServerRef,
} from '../lib';
import { captureLogs, rejectionOf, sleep, trackServers } from './support/helpers';
import { eventually, refOf } from './support/supervision';

describe('Agent', () => {
  const track = trackServers();
  const logs = captureLogs();

  describe('Agent.start()', () => {
    it('starts a server whose state is what the initial function returns', async () => {
      const agent = track(await Agent.start(() => ({ count: 1 })));
      expect(await Agent.get(agent, (s) => s.count)).to.equal(1);
      expect(GenServer.isAlive(agent)).to.equal(true);
    });

    it('awaits an initial function that returns a promise', async () => {
      const agent = track(
        await Agent.start(async () => {
          await sleep(1);
          return 'loaded';
        }),
      );
      expect(await Agent.get(agent, (s) => s)).to.equal('loaded');
    });

    it('registers the name, reachable by Agent functions and GenServer.whereis', async () => {
      const agent = track(await Agent.start(() => 7, { name: 'agent_spec_seven' }));
      expect(GenServer.whereis('agent_spec_seven')).to.equal(agent);
      expect(await Agent.get<number, number>('agent_spec_seven', (n) => n * 2)).to.equal(14);
      expect(await rejectionOf(Agent.start(() => 8, { name: 'agent_spec_seven' }))).to.be.instanceOf(AlreadyStartedError);
    });

    it('rejects with the error of an initial function that throws, and leaves nothing running', async () => {
      const error = await rejectionOf(
        Agent.start(
          () => {
            throw new Error('no state');
          },
          { name: 'agent_spec_broken' },
        ),
      );
      expect((error as Error).message).to.equal('no state');
      expect(GenServer.whereis('agent_spec_broken')).to.equal(undefined);
    });

    it('rejects with ArgumentError when the initial value is not a function', async () => {
      const error = await rejectionOf(Agent.start(5 as unknown as () => number));
      expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: 'initial' });
    });
  });

  describe('Agent.get(), update(), getAndUpdate() and cast()', () => {
    it('update replaces the state, get reads it, getAndUpdate does both in one step', async () => {
      const agent = track(await Agent.start(() => [] as string[]));
      await Agent.update(agent, (list) => [...list, 'a']);
      await Agent.update(agent, (list) => [...list, 'b']);
      expect(await Agent.get(agent, (list) => list.join(''))).to.equal('ab');
      expect(await Agent.getAndUpdate(agent, (list) => [list.length, []])).to.equal(2);
      expect(await Agent.get(agent, (list) => list)).to.deep.equal([]);
    });

    it('cast returns at once and is applied before any later message', async () => {
      const agent = track(await Agent.start(() => 0));
      expect(Agent.cast(agent, (n) => n + 5)).to.equal(undefined);
      expect(await Agent.get(agent, (n) => n)).to.equal(5);
    });

    it('runs the functions one at a time in arrival order, awaiting those that return promises', async () => {
      const agent = track(await Agent.start(() => ''));
      const slow = Agent.update(agent, async (s) => {
        await sleep(20);
        return `${s}slow,`;
      });
      const fast = Agent.update(agent, (s) => `${s}fast,`);
      await Promise.all([slow, fast]);
      expect(await Agent.get(agent, (s) => s)).to.equal('slow,fast,');
    });

    it('rejects with CallTimeoutError past the timeout and keeps the agent running', async () => {
      const agent = track(await Agent.start(() => 1));
      const error = await rejectionOf(
        Agent.get(
          agent,
          async (n) => {
            await sleep(100);
            return n;
          },
          10,
        ),
      );
      expect(error).to.be.instanceOf(CallTimeoutError).and.to.include({ timeout: 10 });
      expect(await Agent.get(agent, (n) => n)).to.equal(1);
    });

    it('crashes the agent when a function throws, as in Elixir: the caller gets ServerExitError', async () => {
      const agent = track(await Agent.start(() => 1));
      const error = await rejectionOf(
        Agent.update(agent, () => {
          throw new Error('bad update');
        }),
      );
      expect(error).to.be.instanceOf(ServerExitError);
      expect(GenServer.isAlive(agent)).to.equal(false);
      expect(logs.some((l) => l.level === 'error')).to.equal(true);
    });

    it('rejects getAndUpdate whose function does not return a pair, crashing the agent', async () => {
      const agent = track(await Agent.start(() => 1));
      const error = (await rejectionOf(Agent.getAndUpdate(agent, () => 3 as unknown as [number, number]))) as ServerExitError;
      expect(error).to.be.instanceOf(ServerExitError);
      expect(error.reason).to.be.instanceOf(ArgumentError);
    });

    it('rejects with ArgumentError when fn is not a function, and leaves the agent untouched', async () => {
      const agent = track(await Agent.start(() => 1));
      expect(await rejectionOf(Agent.get(agent, 'state' as unknown as (n: number) => number))).to.be.instanceOf(ArgumentError);
      expect(await rejectionOf(Agent.update(agent, null as unknown as (n: number) => number))).to.be.instanceOf(ArgumentError);
      expect(() => Agent.cast(agent, 1 as unknown as (n: number) => number)).to.throw(ArgumentError);
      expect(await Agent.get(agent, (n) => n)).to.equal(1);
    });

    it('rejects with NoProcError for an agent that is not alive', async () => {
      const agent = await Agent.start(() => 1);
      await Agent.stop(agent);
      expect(await rejectionOf(Agent.get(agent, (n) => n))).to.be.instanceOf(NoProcError);
      expect(Agent.cast(agent, (n) => n)).to.equal(undefined);
    });
  });

  describe('Agent.stop()', () => {
    it('stops the agent with the reason, resolving once it has exited', async () => {
      const agent = await Agent.start(() => 1);
      await Agent.stop(agent, 'shutdown');
      expect(GenServer.isAlive(agent)).to.equal(false);
      expect(await GenServer.awaitExit(agent)).to.equal('shutdown');
    });
  });

  describe('an agent is a server like any other', () => {
    class Owner extends GenServer<ServerRef | undefined> {
      @init
      async setup() {
        return undefined;
      }

      @handleCall('spawn')
      spawn(_: void) {
        return Agent.startLink(() => 'linked').then((agent) => reply(agent, agent));
      }
    }

    it('shows in GenServer.info, and its state in GenServer.getState', async () => {
      const agent = track(await Agent.start(() => ({ n: 1 })));
      expect(GenServer.info(agent)).to.include({ className: 'AgentServer', status: 'running' });
      expect(await GenServer.getState(agent)).to.deep.equal({ n: 1 });
    });

    it('startLink links it to the server that starts it', async () => {
      const owner = track(await Owner.start());
      const agent = track((await GenServer.call(owner, 'spawn')) as ServerRef);
      expect(GenServer.info(agent).links).to.deep.equal([owner]);
      GenServer.exit(agent, 'boom');
      expect(await GenServer.awaitExit(owner)).to.equal('boom');
    });

    it('is supervised from [Agent, initial] and restarted with a fresh state after a crash', async () => {
      const sup = track(await Supervisor.start([[Agent, () => 10]]));
      const agent = refOf(sup, 'Agent') as Agent<number>;
      await Agent.update(agent, (n) => n + 1);
      expect(await Agent.get(agent, (n) => n)).to.equal(11);
      GenServer.exit(agent, 'crash');
      await eventually('the agent restarted', () =>
        Supervisor.whichChildren(sup).some((c) => c.ref instanceof ServerRef && c.ref !== agent),
      );
      const restarted = refOf(sup, 'Agent') as Agent<number>;
      expect(restarted).to.not.equal(agent);
      expect(await Agent.get(restarted, (n) => n)).to.equal(10);
    });

    it('Agent.childSpec takes start options and the usual defaults', async () => {
      const spec = Agent.childSpec(() => 0, { name: 'agent_spec_supervised' });
      expect(spec).to.include({ id: 'Agent', restart: 'permanent', shutdown: 5000, type: 'worker' });
      const sup = track(await Supervisor.start([spec]));
      expect(GenServer.whereis('agent_spec_supervised')).to.equal(refOf(sup, 'Agent'));
      expect(() => Agent.childSpec(undefined as unknown as () => number)).to.throw(ArgumentError);
    });
  });
});
