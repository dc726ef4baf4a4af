import { expect } from 'chai';
import { GenServer, consoleLogger, handleCall, handleCast, noreply, reply, setLogger, type Logger } from '../lib';

// ---- fixtures ---------------------------------------------------------------------------------

const silent: Logger = { error() {}, warn() {}, info() {} };

class Fragile extends GenServer<number> {
  @handleCall('crash')
  crash(): never {
    throw new Error('crash while the logger is broken');
  }

  @handleCall('ok')
  ok(_: void, n: number) {
    return reply(n, n);
  }

  @handleCast('slow')
  slow(_: void, n: number) {
    return noreply(n);
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('setLogger()', () => {
  it('replaces the logger and returns the previous one, so it can be put back', () => {
    const original = setLogger(silent);
    try {
      expect(setLogger(original)).to.equal(silent);
    } finally {
      setLogger(original);
    }
  });

  it('starts out with the console logger', () => {
    const original = setLogger(silent);
    setLogger(original);
    expect(original).to.equal(consoleLogger);
  });

  it('ignores a logger that throws: a crash report cannot take the server or Node down', async () => {
    const original = setLogger({
      error() {
        throw new Error('broken logger');
      },
      warn() {
        throw new Error('broken logger');
      },
      info() {
        throw new Error('broken logger');
      },
    });
    try {
      const ref = await Fragile.start(1, { trace: true });
      const error = await GenServer.call(ref, 'crash').catch((e: unknown) => e);
      expect(error).to.have.property('name', 'ServerExitError');
      expect(await GenServer.awaitExit(ref)).to.be.instanceOf(Error);
    } finally {
      setLogger(original);
    }
  });
});

describe('dropped messages', () => {
  it('are logged at the 1st, 2nd, 4th, 8th… drop, so an overloaded server does not flood the log', async () => {
    const warnings: string[] = [];
    const original = setLogger({ error() {}, info() {}, warn: (message) => warnings.push(message) });
    try {
      const ref = await Fragile.start(0, { maxMailbox: 1 });
      GenServer.cast(ref, 'slow'); // fills the mailbox: the server has not run yet
      for (let i = 0; i < 100; i++) GenServer.cast(ref, 'slow');
      expect(GenServer.info(ref).dropped).to.equal(100);
      expect(warnings).to.have.length(7); // 1, 2, 4, 8, 16, 32, 64
      expect(warnings[6]).to.contain('64 dropped so far');
      await GenServer.stop(ref);
    } finally {
      setLogger(original);
    }
  });
});
