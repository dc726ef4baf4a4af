import { expect } from 'chai';
import {
  AlreadyRegisteredError,
  AlreadyStartedError,
  ArgumentError,
  GenServer,
  GenServerError,
  NoProcError,
  Registry,
  handleCall,
  handleCast,
  handleInfo,
  init,
  noreply,
  reply,
  type RegistryEntry,
  type ServerRef,
} from '../lib';
import { captureLogs, rejectionOf, trackServers } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

interface Registration {
  reg: ServerRef | string;
  key: unknown;
  value?: unknown;
}

/** Registers and unregisters itself from its handlers; replies with the error if that throws. */
class Member extends GenServer<null> {
  @init
  setup(registration?: Registration) {
    if (registration) Registry.register(registration.reg, registration.key, registration.value);
    return null;
  }

  @handleCall('register')
  register({ reg, key, value }: Registration, s: null) {
    try {
      Registry.register(reg, key, value);
      return reply('ok', s);
    } catch (error) {
      return reply(error, s);
    }
  }

  @handleCall('unregister')
  unregister({ reg, key }: Registration, s: null) {
    Registry.unregister(reg, key);
    return reply('ok', s);
  }

  @handleCall('link')
  linkTo(target: ServerRef, s: null) {
    this.link(target);
    return reply('ok', s);
  }

  @handleCast('crash')
  crash(): never {
    throw new Error('member crashed');
  }
}

/** Reached through a via name: a call, a cast and an info all add to its count. */
class Counter extends GenServer<number> {
  @init
  setup(start: number = 0) {
    return start;
  }

  @handleCall('add')
  add(n: number, count: number) {
    return reply(count + n, count + n);
  }

  @handleCast('add')
  addLater(n: number, count: number) {
    return noreply(count + n);
  }

  @handleInfo('add')
  addInfo(n: number, count: number) {
    return noreply(count + n);
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('Registry with unique keys', () => {
  const track = trackServers();
  captureLogs();

  it('register() registers the running server under a key, with a value; lookup() finds it', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const alice = track(await Member.start({ reg, key: 'alice', value: { room: 'lobby' } }));
    expect(Registry.lookup(reg, 'alice')).to.deep.equal([{ ref: alice, value: { room: 'lobby' } }]);
    expect(Registry.lookup(reg, 'bob')).to.deep.equal([]);
  });

  it('register() on a taken key throws AlreadyRegisteredError { key, ref } to the server that tried', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const first = track(await Member.start({ reg, key: 'alice', value: 1 }));
    const second = track(await Member.start());
    const error = await GenServer.call(second, 'register', { reg, key: 'alice', value: 2 });
    expect(error).to.be.instanceOf(AlreadyRegisteredError).and.to.include({ key: 'alice', ref: first });
    expect(Registry.lookup(reg, 'alice')).to.deep.equal([{ ref: first, value: 1 }]);
    expect(GenServer.isAlive(second)).to.equal(true);
  });

  it('lets a server hold several keys: keys() lists them, and unregister() removes one', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const m = track(await Member.start({ reg, key: 'a' }));
    await GenServer.call(m, 'register', { reg, key: 'b' });
    expect(Registry.keys(reg, m)).to.deep.equal(['a', 'b']);
    await GenServer.call(m, 'unregister', { reg, key: 'a' });
    expect(Registry.keys(reg, m)).to.deep.equal(['b']);
    expect(Registry.lookup(reg, 'a')).to.deep.equal([]);
    expect(Registry.keys(reg, track(await Member.start()))).to.deep.equal([]);
  });

  it('count() counts the entries', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    expect(Registry.count(reg)).to.equal(0);
    track(await Member.start({ reg, key: 'a' }));
    track(await Member.start({ reg, key: 'b' }));
    expect(Registry.count(reg)).to.equal(2);
  });

  it('answers reads synchronously: lookup, keys and count return values, not promises', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const m = track(await Member.start({ reg, key: 'a' }));
    expect(Registry.lookup(reg, 'a')).to.be.an('array').that.is.not.a('promise');
    expect(Registry.keys(reg, m)).to.be.an('array');
    expect(Registry.count(reg)).to.be.a('number');
  });

  it('throws a GenServerError from register() or unregister() outside any server', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    expect(() => Registry.register(reg, 'a')).to.throw(GenServerError, /register/);
    expect(() => Registry.unregister(reg, 'a')).to.throw(GenServerError, /unregister/);
    expect(Registry.count(reg)).to.equal(0);
  });

  it('rejects bad options with an ArgumentError', async () => {
    expect(await rejectionOf(Registry.start({ keys: 'many' as 'unique' })))
      .to.be.instanceOf(ArgumentError)
      .and.to.include({ argument: 'options.keys' });
  });
});

describe('Registry with duplicate keys', () => {
  const track = trackServers();

  it('registers any number of servers under one key; lookup() lists them all, in order', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const a = track(await Member.start({ reg, key: 'topic', value: 'a' }));
    const b = track(await Member.start({ reg, key: 'topic', value: 'b' }));
    track(await Member.start({ reg, key: 'other', value: 'c' }));
    expect(Registry.lookup(reg, 'topic')).to.deep.equal([
      { ref: a, value: 'a' },
      { ref: b, value: 'b' },
    ]);
    expect(Registry.count(reg)).to.equal(3);
  });

  it("unregister() removes only the running server's entry", async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const a = track(await Member.start({ reg, key: 'topic' }));
    const b = track(await Member.start({ reg, key: 'topic' }));
    await GenServer.call(a, 'unregister', { reg, key: 'topic' });
    expect(Registry.lookup(reg, 'topic').map((e) => e.ref)).to.deep.equal([b]);
  });

  it('dispatch() calls fn once with every entry under the key', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const a = track(await Member.start({ reg, key: 'topic', value: 1 }));
    const b = track(await Member.start({ reg, key: 'topic', value: 2 }));
    const calls: RegistryEntry[][] = [];
    Registry.dispatch(reg, 'topic', (entries) => calls.push(entries));
    expect(calls).to.deep.equal([
      [
        { ref: a, value: 1 },
        { ref: b, value: 2 },
      ],
    ]);
  });

  it('dispatch() does not call fn at all when no server is registered under the key', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    let called = 0;
    Registry.dispatch(reg, 'nobody', () => called++);
    expect(called).to.equal(0);
  });

  it('keeps duplicate registrations: keys() lists a key once per registration, and unregister() removes them all', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const m = track(await Member.start({ reg, key: 'hello', value: 1 }));
    expect(Registry.keys(reg, m)).to.deep.equal(['hello']);
    await GenServer.call(m, 'register', { reg, key: 'hello', value: 2 });
    await GenServer.call(m, 'register', { reg, key: 'world', value: 3 });
    expect(Registry.keys(reg, m)).to.deep.equal(['hello', 'hello', 'world']);
    expect(Registry.lookup(reg, 'hello')).to.deep.equal([
      { ref: m, value: 1 },
      { ref: m, value: 2 },
    ]);
    expect(Registry.count(reg)).to.equal(3);
    await GenServer.call(m, 'unregister', { reg, key: 'hello' });
    expect(Registry.keys(reg, m)).to.deep.equal(['world']);
    expect(Registry.lookup(reg, 'hello')).to.deep.equal([]);
    expect(Registry.count(reg)).to.equal(1);
  });

  it('keeps the order of the other entries when one server of a large group leaves', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const members = [];
    for (let i = 0; i < 5; i++) members.push(track(await Member.start({ reg, key: 'topic', value: i })));
    await GenServer.stop(members[2]);
    await GenServer.call(members[0], 'unregister', { reg, key: 'topic' });
    expect(Registry.lookup(reg, 'topic').map((e) => e.value)).to.deep.equal([1, 3, 4]);
  });

  it('refuses via names with an ArgumentError: a name must reach one server', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    expect(() => Registry.via(reg, 'topic')).to.throw(ArgumentError);
  });
});

describe('Registry.via()', () => {
  const track = trackServers();

  it('names a server at start: whereis and isAlive find it, lookup lists it', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const counter = track(await Counter.start(0, { name: Registry.via(reg, 'counter:42') }));
    expect(GenServer.whereis(Registry.via(reg, 'counter:42'))).to.equal(counter);
    expect(GenServer.isAlive(Registry.via(reg, 'counter:42'))).to.equal(true);
    expect(Registry.lookup(reg, 'counter:42')).to.deep.equal([{ ref: counter, value: undefined }]);
    expect(Registry.keys(reg, counter)).to.deep.equal(['counter:42']);
  });

  it('reaches the server with call, cast, send and stop', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const name = Registry.via(reg, 'counter:42');
    const counter = track(await Counter.start(0, { name }));
    expect(await GenServer.call(name, 'add', 1)).to.equal(1);
    GenServer.cast(name, 'add', 10);
    GenServer.send(name, 'add', 100);
    expect(await GenServer.call(name, 'add', 0)).to.equal(111);
    await GenServer.stop(name);
    expect(GenServer.isAlive(counter)).to.equal(false);
    expect(GenServer.whereis(name)).to.equal(undefined);
  });

  it('rejects a second start under a taken key with AlreadyStartedError { serverName, ref }', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const name = Registry.via(reg, 'only');
    const first = track(await Counter.start(0, { name }));
    const error = await rejectionOf(Counter.start(0, { name }));
    expect(error).to.be.instanceOf(AlreadyStartedError).and.to.include({ serverName: name, ref: first });
    expect(Registry.count(reg)).to.equal(1);
  });

  it('rejects calls and stops to a free key with NoProcError', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const name = Registry.via(reg, 'nobody');
    expect(await rejectionOf(GenServer.call(name, 'add', 1)))
      .to.be.instanceOf(NoProcError)
      .and.to.include({ server: name });
    expect(await rejectionOf(GenServer.stop(name))).to.be.instanceOf(NoProcError);
    GenServer.cast(name, 'add', 1); // dropped, never throws
  });

  it('works with a registry given by its name', async () => {
    track(await Registry.start({ keys: 'unique', name: 'counters' }));
    const counter = track(await Counter.start(5, { name: Registry.via('counters', 'c') }));
    expect(await GenServer.call(Registry.via('counters', 'c'), 'add', 1)).to.equal(6);
    expect(Registry.lookup('counters', 'c')).to.deep.equal([{ ref: counter, value: undefined }]);
  });
});

describe('Registry clean-up', () => {
  const track = trackServers();
  captureLogs();

  const exits: [string, (ref: ServerRef) => void][] = [
    ['crashes', (ref) => GenServer.cast(ref, 'crash')],
    ['stops', (ref) => void GenServer.stop(ref)],
    ['is killed', (ref) => GenServer.exit(ref, 'kill')],
  ];

  for (const [how, exit] of exits) {
    it(`removes every entry of a server that ${how}, in both kinds of registry`, async () => {
      const unique = track(await Registry.start({ keys: 'unique' }));
      const duplicate = track(await Registry.start({ keys: 'duplicate' }));
      const m = track(await Member.start({ reg: unique, key: 'a' }));
      await GenServer.call(m, 'register', { reg: unique, key: 'b' });
      await GenServer.call(m, 'register', { reg: duplicate, key: 'topic' });
      const other = track(await Member.start({ reg: duplicate, key: 'topic' }));

      exit(m);
      await GenServer.awaitExit(m);
      expect(Registry.count(unique)).to.equal(0);
      expect(Registry.keys(unique, m)).to.deep.equal([]);
      expect(Registry.lookup(duplicate, 'topic').map((e) => e.ref)).to.deep.equal([other]);
      // The key is free again.
      const next = track(await Member.start({ reg: unique, key: 'a' }));
      expect(Registry.lookup(unique, 'a').map((e) => e.ref)).to.deep.equal([next]);
    });
  }

  it(`frees a via name when its server exits, so the name can be started again`, async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const name = Registry.via(reg, 'worker');
    const first = track(await Counter.start(0, { name }));
    GenServer.exit(first, 'kill');
    await GenServer.awaitExit(first);
    expect(GenServer.whereis(name)).to.equal(undefined);
    const second = track(await Counter.start(0, { name }));
    expect(GenServer.whereis(name)).to.equal(second);
  });

  it('is cleared when the registry stops: its names resolve to nothing, and a new registry starts empty', async () => {
    const reg = await Registry.start({ keys: 'unique', name: 'rooms' });
    const name = Registry.via('rooms', 'lobby');
    const lobby = track(await Counter.start(0, { name }));
    await GenServer.stop(reg);
    expect(GenServer.whereis(name)).to.equal(undefined);
    expect(() => Registry.lookup(reg, 'lobby')).to.throw(NoProcError);

    const reg2 = track(await Registry.start({ keys: 'unique', name: 'rooms' }));
    expect(Registry.count(reg2)).to.equal(0);
    const lobby2 = track(await Counter.start(0, { name }));
    expect(GenServer.whereis(name)).to.equal(lobby2);
    // The first server ran on unharmed; its exit does not disturb the new holder of the key.
    expect(GenServer.isAlive(lobby)).to.equal(true);
    await GenServer.stop(lobby);
    expect(GenServer.whereis(name)).to.equal(lobby2);
  });

  it('refuses to start a server under a via name whose registry has stopped, with NoProcError', async () => {
    const reg = await Registry.start({ keys: 'unique' });
    const name = Registry.via(reg, 'late');
    await GenServer.stop(reg);
    const error = await rejectionOf(Counter.start(0, { name }).then(track)); // tracked, should it start
    expect(error).to.be.instanceOf(NoProcError);
    expect(GenServer.whereis(name)).to.equal(undefined);
  });
});

describe('Registry links', () => {
  const track = trackServers();
  const logs = captureLogs();

  it('links a server to the registry when it registers, until its last key is unregistered', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const m = track(await Member.start());
    expect(GenServer.info(m).links).to.deep.equal([]);
    await GenServer.call(m, 'register', { reg, key: 'a' });
    await GenServer.call(m, 'register', { reg, key: 'b' });
    expect(GenServer.info(m).links).to.deep.equal([reg]);
    await GenServer.call(m, 'unregister', { reg, key: 'a' });
    expect(GenServer.info(m).links).to.deep.equal([reg]);
    await GenServer.call(m, 'unregister', { reg, key: 'b' });
    expect(GenServer.info(m).links).to.deep.equal([]);
    expect(GenServer.info(reg).links).to.deep.equal([]);
  });

  it('takes its registrants down when it crashes, with its reason, as in OTP (via-named servers too)', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const m = track(await Member.start({ reg, key: 'alice' }));
    const named = track(await Counter.start(0, { name: Registry.via(reg, 'counter') }));
    const loner = track(await Member.start());
    GenServer.exit(reg, 'kill');
    expect(await GenServer.awaitExit(m)).to.equal('killed');
    expect(await GenServer.awaitExit(named)).to.equal('killed');
    expect(GenServer.isAlive(loner)).to.equal(true);
  });

  it('survives the crash of a registrant and removes its entries', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const m = track(await Member.start({ reg, key: 'topic' }));
    const other = track(await Member.start({ reg, key: 'topic' }));
    GenServer.cast(m, 'crash');
    expect(await GenServer.awaitExit(m)).to.be.instanceOf(Error);
    await GenServer.getState(reg); // the registry has handled the exit signal
    expect(GenServer.isAlive(reg)).to.equal(true);
    expect(Registry.lookup(reg, 'topic').map((e) => e.ref)).to.deep.equal([other]);
    expect(
      logs.filter((l) => l.level === 'warn'),
      'no dropped EXIT message',
    ).to.deep.equal([]);
  });

  it("stops on GenServer.exit(reg, 'shutdown') from outside any server, taking its registrants with it", async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const m = track(await Member.start({ reg, key: 'topic' }));
    GenServer.exit(reg, 'shutdown');
    expect(await GenServer.awaitExit(reg)).to.equal('shutdown');
    expect(await GenServer.awaitExit(m)).to.equal('shutdown');
  });

  it('keeps a link the server had made itself before it registered', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const m = track(await Member.start());
    await GenServer.call(m, 'link', reg);
    await GenServer.call(m, 'register', { reg, key: 'a' });
    await GenServer.call(m, 'unregister', { reg, key: 'a' });
    expect(GenServer.info(m).links).to.deep.equal([reg]);
  });
});
