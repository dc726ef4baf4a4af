import { expect } from 'chai';
import { BadReturnError, GenServer, handleCall, handleCast, handleInfo, reply, stop, type ServerRef } from '../lib';
import { captureLogs, rejectionOf, sleep, trackServers } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

interface Gauge {
  pressure: number;
}

interface Fault {
  message: string;
  code: number;
}

class Boiler extends GenServer<Gauge> {
  @handleCall('crash')
  crashCall({ message }: Fault): never {
    throw new Error(message);
  }

  @handleCall('crashLater')
  async crashLater({ message }: Fault): Promise<never> {
    await sleep(1);
    throw new Error(message);
  }

  @handleCast('crash')
  crashCast({ message }: Fault): never {
    throw new Error(message);
  }

  @handleInfo('crash')
  crashInfo({ message }: Fault): never {
    throw new Error(message);
  }

  @handleCall('bad')
  bad() {
    return 'not a reply' as never;
  }

  @handleCall('stop')
  stopWith(reason: unknown, g: Gauge) {
    return stop(reason, g, 'stopping');
  }

  @handleCall('link')
  linkTo(target: ServerRef, g: Gauge) {
    this.link(target);
    return reply('linked', g);
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('crash reports', () => {
  const track = trackServers();
  const logs = captureLogs();
  const errors = () => logs.filter((e) => e.level === 'error');
  const boiler = async () => track(await Boiler.start({ pressure: 3 }));

  const crashes: [string, string, (ref: ServerRef, fault: Fault) => unknown][] = [
    ['call', "call 'crash'", (ref, fault) => GenServer.call(ref, 'crash', fault).catch(() => undefined)],
    ['async call', "call 'crashLater'", (ref, fault) => GenServer.call(ref, 'crashLater', fault).catch(() => undefined)],
    ['cast', "cast 'crash'", (ref, fault) => GenServer.cast(ref, 'crash', fault)],
    ['info', "info 'crash'", (ref, fault) => GenServer.send(ref, 'crash', fault)],
  ];

  for (const [kind, last, crash] of crashes) {
    it(`a crash in ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} handler logs one error report: server, last message, state, reason with its stack`, async () => {
      const ref = await boiler();
      const exited = GenServer.awaitExit(ref);
      crash(ref, { message: 'valve stuck', code: 7 });
      const reason = (await exited) as Error;
      expect(reason).to.be.instanceOf(Error).and.to.have.property('message', 'valve stuck');

      expect(errors()).to.have.length(1);
      const { message, details } = errors()[0];
      expect(message).to.contain(String(ref)).and.to.contain('Boiler');
      expect(message).to.contain(last).and.to.contain('code: 7');
      expect(message).to.contain('pressure: 3');
      expect(message).to.contain('Error: valve stuck');
      expect(message).to.contain(reason.stack!.split('\n')[1].trim()); // the first frame of the stack
      expect(details).to.include({ server: ref, reason });
      expect(details).to.deep.include({
        lastMessage: { tag: last.split("'")[1], payload: { message: 'valve stuck', code: 7 } },
        state: { pressure: 3 },
      });
    });
  }

  it('reports a bad return, naming the BadReturnError', async () => {
    const ref = await boiler();
    const exited = GenServer.awaitExit(ref);
    await rejectionOf(GenServer.call(ref, 'bad'));
    expect(await exited).to.be.instanceOf(BadReturnError);
    expect(errors()).to.have.length(1);
    expect(errors()[0].message).to.contain("call 'bad'").and.to.contain('BadReturnError').and.to.contain('not a reply');
  });

  it('reports a stop() return with a reason that is not clean', async () => {
    const ref = await boiler();
    await GenServer.call(ref, 'stop', 'overheated');
    await GenServer.awaitExit(ref);
    expect(errors()).to.have.length(1);
    expect(errors()[0].message).to.contain(String(ref)).and.to.contain("call 'stop'").and.to.contain("'overheated'");
    expect(errors()[0].details).to.include({ reason: 'overheated' });
  });

  it('reports GenServer.stop() with a reason that is not clean', async () => {
    const ref = await boiler();
    await GenServer.stop(ref, 'maintenance overdue');
    expect(errors()).to.have.length(1);
    expect(errors()[0].message).to.contain("'maintenance overdue'");
  });

  for (const [label, reason] of [
    ["'normal'", 'normal'],
    ["'shutdown'", 'shutdown'],
    ['{ shutdown: x }', { shutdown: 'maintenance' }],
  ] as const) {
    it(`logs no report for the clean reason ${label}, whether from GenServer.stop() or a stop() return`, async () => {
      await GenServer.stop(await boiler(), reason);
      const ref = await boiler();
      expect(await GenServer.call(ref, 'stop', reason)).to.equal('stopping');
      expect(await GenServer.awaitExit(ref)).to.equal(reason);
      expect(logs).to.deep.equal([]);
    });
  }

  it('logs one report for a crash that takes linked servers down: they log none of their own', async () => {
    const crashing = await boiler();
    const linked = await boiler();
    await GenServer.call(linked, 'link', crashing);
    GenServer.cast(crashing, 'crash', { message: 'burst', code: 1 });
    await GenServer.awaitExit(linked);
    expect(errors()).to.have.length(1);
    expect(errors()[0].details).to.include({ server: crashing });
  });

  it("logs no report for a server killed with GenServer.exit(ref, 'kill')", async () => {
    const ref = await boiler();
    GenServer.exit(ref, 'kill');
    expect(await GenServer.awaitExit(ref)).to.equal('killed');
    expect(logs).to.deep.equal([]);
  });
});
