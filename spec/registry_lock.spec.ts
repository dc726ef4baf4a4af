import { expect } from 'chai';
import { ArgumentError, GenServer, NoProcError, Registry, handleCall, init, noreply, reply, type From, type ServerRef } from '../lib';
import { gate, rejectionOf, sleep, trackServers, type Gate } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

interface LockRequest {
  reg: ServerRef;
  key: unknown;
  /** Opened when the function holds the lock. */
  locked?: Gate;
  /** The function holds the lock until this opens. */
  unlock?: Promise<void>;
}

/** Takes a lock from its handler and answers the call with what Registry.lock resolved to. */
class Locker extends GenServer<null> {
  @init
  setup() {
    return null;
  }

  @handleCall('lock')
  takeLock({ reg, key, locked, unlock }: LockRequest, s: null, from: From) {
    Registry.lock(reg, key, async () => {
      locked?.open();
      await unlock;
      return 'done';
    }).then(
      (value) => GenServer.reply(from, value),
      (error: unknown) => GenServer.reply(from, error),
    );
    return noreply(s);
  }

  @handleCall('registerUnderLock')
  registerUnderLock({ reg, key }: LockRequest, s: null) {
    void Registry.lock(reg, 'lock', () => Registry.register(reg, key, 'locked'));
    return reply('ok', s);
  }
}

// ---- specs ------------------------------------------------------------------------------------

for (const keys of ['unique', 'duplicate'] as const) {
  describe(`Registry.lock() (${keys} keys)`, () => {
    const track = trackServers();

    it('does not lock when using different keys', async () => {
      const reg = track(await Registry.start({ keys, partitions: 4 }));
      const [l1, l2] = [track(await Locker.start()), track(await Locker.start())];
      const [locked1, locked2, unlock] = [gate(), gate(), gate()];
      const task1 = GenServer.call(l1, 'lock', { reg, key: 1, locked: locked1, unlock: unlock.promise });
      await locked1.promise;
      const task2 = GenServer.call(l2, 'lock', { reg, key: 2, locked: locked2, unlock: unlock.promise });
      await locked2.promise;
      unlock.open();
      expect(await Promise.all([task1, task2])).to.deep.equal(['done', 'done']);
      expect(await Registry.lock(reg, 1, () => 'done')).to.equal('done');
    });

    it('locks when using the same key: the second function starts once the first has settled', async () => {
      const reg = track(await Registry.start({ keys }));
      const [l1, l2] = [track(await Locker.start()), track(await Locker.start())];
      const [locked1, locked2, unlock] = [gate(), gate(), gate()];
      let second = false;
      void locked2.promise.then(() => (second = true));
      const task1 = GenServer.call(l1, 'lock', { reg, key: 'ok', locked: locked1, unlock: unlock.promise });
      await locked1.promise;
      const task2 = GenServer.call(l2, 'lock', { reg, key: 'ok', locked: locked2 });
      await sleep(30);
      expect(second, 'the second waits').to.equal(false);
      unlock.open();
      expect(await task1).to.equal('done');
      expect(await task2).to.equal('done');
      expect(second).to.equal(true);
    });

    it('runs them in the order they asked, and passes on a rejection after releasing the lock', async () => {
      const reg = track(await Registry.start({ keys }));
      const order: number[] = [];
      const boom = new Error('oops');
      const runs = [1, 2, 3, 4].map((i) =>
        Registry.lock(reg, 'k', async () => {
          order.push(i);
          await sleep(1);
          if (i === 2) throw boom;
          if (i === 3) throw new Error('sync-ish');
          return i;
        }),
      );
      const settled = await Promise.allSettled(runs);
      expect(order).to.deep.equal([1, 2, 3, 4]);
      expect(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).to.deep.equal([
        1,
        'oops',
        'sync-ish',
        4,
      ]);
      expect(await Registry.lock(reg, 'k', () => 'free again')).to.equal('free again');
    });

    it('releases the lock after a function that throws synchronously', async () => {
      const reg = track(await Registry.start({ keys }));
      const thrown = await rejectionOf(
        Registry.lock(reg, 'k', () => {
          throw new Error('at once');
        }),
      );
      expect(thrown).to.be.instanceOf(Error).and.have.property('message', 'at once');
      expect(await Registry.lock(reg, 'k', () => 'done')).to.equal('done');
    });

    it('releases a lock whose holder exits before its function settles (Elixir: the holder terminates)', async () => {
      const reg = track(await Registry.start({ keys }));
      const holder = track(await Locker.start());
      const waiter = track(await Locker.start());
      const locked = gate();
      void GenServer.call(holder, 'lock', { reg, key: 'ok', locked, unlock: new Promise(() => {}) }).catch(() => undefined);
      await locked.promise;
      const task2 = GenServer.call(waiter, 'lock', { reg, key: 'ok' });
      GenServer.exit(holder, 'kill');
      expect(await task2).to.equal('done');
      expect(await Registry.lock(reg, 'ok', () => 'done')).to.equal('done');
    });

    it('skips a waiter whose server exits while it waits (Elixir: the one waiting terminates)', async () => {
      const reg = track(await Registry.start({ keys }));
      const holder = track(await Locker.start());
      const waiter = track(await Locker.start());
      const [locked, unlock, waiterLocked] = [gate(), gate(), gate()];
      const task1 = GenServer.call(holder, 'lock', { reg, key: 'ok', locked, unlock: unlock.promise });
      await locked.promise;
      void GenServer.call(waiter, 'lock', { reg, key: 'ok', locked: waiterLocked }).catch(() => undefined);
      await sleep(5);
      GenServer.exit(waiter, 'kill');
      await GenServer.awaitExit(waiter);
      let ran = false;
      void waiterLocked.promise.then(() => (ran = true));
      unlock.open();
      expect(await task1).to.equal('done');
      expect(await Registry.lock(reg, 'ok', () => 'done')).to.equal('done');
      expect(ran, "the dead waiter's function never ran").to.equal(false);
    });

    it('runs an uncontended function at once, inside the calling handler, so it may register', async () => {
      const reg = track(await Registry.start({ keys }));
      const l = track(await Locker.start());
      await GenServer.call(l, 'registerUnderLock', { reg, key: 'mine' });
      expect(Registry.lookup(reg, 'mine')).to.deep.equal([{ ref: l, value: 'locked' }]);
    });

    it('rejects the waiters with NoProcError when the registry stops, and bad arguments with ArgumentError', async () => {
      const reg = await Registry.start({ keys });
      const unlock = gate();
      const holding = Registry.lock(reg, 'k', () => unlock.promise.then(() => 'held'));
      const waiting = Registry.lock(reg, 'k', () => 'never');
      await GenServer.stop(reg);
      expect(await rejectionOf(waiting)).to.be.instanceOf(NoProcError);
      unlock.open();
      expect(await holding, 'a running function runs on').to.equal('held');
      expect(await rejectionOf(Registry.lock(reg, 'k', () => 1))).to.be.instanceOf(NoProcError);
      const live = track(await Registry.start({ keys }));
      expect(await rejectionOf(Registry.lock(live, 'k', 'fn' as unknown as () => void))).to.be.instanceOf(ArgumentError);
    });
  });
}
