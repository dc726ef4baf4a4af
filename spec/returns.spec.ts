import { expect } from 'chai';
import { GenServer, ServerExitError, handleCall, handleCast, noreply, reply, stop, terminate } from '../lib';
import { rejectionOf, trackServers } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

interface Tally {
  n: number;
  /** Shared by every copy of the state: terminate writes down the reason and the n it saw. */
  ended: unknown[];
}

class Tallier extends GenServer<Tally> {
  @handleCall('bump')
  bump(by: number, s: Tally) {
    return reply(`was ${s.n}`, { ...s, n: s.n + by });
  }

  @handleCall('get')
  get(_: void, s: Tally) {
    return reply(s.n, s);
  }

  @handleCast('bump')
  bumpQuietly(by: number, s: Tally) {
    return noreply({ ...s, n: s.n + by });
  }

  @handleCall('close')
  async close(answer: string | undefined, s: Tally) {
    const next = { ...s, n: s.n + 1 };
    return answer === undefined ? stop('shutdown', next) : stop('shutdown', next, answer);
  }

  @handleCast('close')
  closeQuietly(reason: unknown, s: Tally) {
    return stop(reason, { ...s, n: -1 });
  }

  @terminate
  ended(reason: unknown, s: Tally) {
    s.ended.push(reason, s.n);
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('handler return values', () => {
  const track = trackServers();

  describe('reply(value, newState)', () => {
    it('answers the call with value and goes on with newState', async () => {
      const ref = track(await Tallier.start({ n: 1, ended: [] }));
      expect(await GenServer.call(ref, 'bump', 10)).to.equal('was 1');
      expect(await GenServer.call(ref, 'get')).to.equal(11);
      await GenServer.stop(ref);
    });
  });

  describe('noreply(newState)', () => {
    it('goes on with newState after a cast', async () => {
      const ref = track(await Tallier.start({ n: 1, ended: [] }));
      GenServer.cast(ref, 'bump', 2);
      expect(await GenServer.call(ref, 'get')).to.equal(3);
      await GenServer.stop(ref);
    });
  });

  describe('stop(reason, newState, reply?)', () => {
    it('from a call with a reply: answers the caller, runs terminate with reason and newState, exits', async () => {
      const ended: unknown[] = [];
      const ref = track(await Tallier.start({ n: 1, ended }));
      const exit = GenServer.awaitExit(ref);
      expect(await GenServer.call(ref, 'close', 'bye')).to.equal('bye');
      expect(ended).to.deep.equal(['shutdown', 2]);
      expect(await exit).to.equal('shutdown');
      expect(GenServer.isAlive(ref)).to.equal(false);
    });

    it('from a call without a reply: the caller rejects with ServerExitError carrying the reason', async () => {
      const ref = track(await Tallier.start({ n: 1, ended: [] }));
      const error = await rejectionOf(GenServer.call(ref, 'close', undefined, 1000));
      expect(error).to.be.instanceOf(ServerExitError).and.to.include({ server: ref, reason: 'shutdown' });
      expect(GenServer.isAlive(ref)).to.equal(false);
    });

    it('from a cast: runs terminate with reason and newState, then exits with the reason', async () => {
      const ended: unknown[] = [];
      const ref = track(await Tallier.start({ n: 1, ended }));
      const exit = GenServer.awaitExit(ref);
      GenServer.cast(ref, 'close', { shutdown: 'asked to' });
      expect(await exit).to.deep.equal({ shutdown: 'asked to' });
      expect(ended).to.deep.equal([{ shutdown: 'asked to' }, -1]);
    });
  });
});
