import { expect } from 'chai';
import {
  ArgumentError,
  GenServer,
  GenServerError,
  Match,
  NoProcError,
  Registry,
  handleCall,
  handleInfo,
  init,
  noreply,
  reply,
  type RegistryEntry,
  type RegistryRegisterEvent,
  type RegistryUnregisterEvent,
  type ServerRef,
} from '../lib';
import { rejectionOf, trackServers } from './support/helpers';
import { Member, inside } from './support/registry_member';

// ---- fixtures ---------------------------------------------------------------------------------

type Heard = ['register', RegistryRegisterEvent] | ['unregister', RegistryUnregisterEvent];

/** A listener: keeps every register and unregister event it hears, in order. */
class Listener extends GenServer<Heard[]> {
  @init
  setup() {
    return [];
  }

  @handleInfo('register')
  registered(event: RegistryRegisterEvent, heard: Heard[]) {
    return noreply([...heard, ['register', event] as Heard]);
  }

  @handleInfo('unregister')
  unregistered(event: RegistryUnregisterEvent, heard: Heard[]) {
    return noreply([...heard, ['unregister', event] as Heard]);
  }

  @handleCall('heard')
  heardSoFar(_: undefined, heard: Heard[]) {
    return reply(heard, heard);
  }
}

/** Receives what the pub/sub dispatch sends. */
class Subscriber extends GenServer<string[]> {
  @init
  setup({ reg, topic, value }: { reg: ServerRef; topic: string; value?: unknown }) {
    Registry.register(reg, topic, value);
    return [];
  }

  @handleInfo('broadcast')
  broadcast(text: string, got: string[]) {
    return noreply([...got, text]);
  }

  @handleCall('got')
  gotSoFar(_: undefined, got: string[]) {
    return reply(got, got);
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('Registry.values()', () => {
  const track = trackServers();

  it('gives the values one server registered under a key: [] , [value], or several in a duplicate registry', async () => {
    const unique = track(await Registry.start({ keys: 'unique' }));
    const duplicate = track(await Registry.start({ keys: 'duplicate' }));
    const m = track(await Member.start());
    const other = track(await Member.start());
    expect(Registry.values(unique, 'hello', m)).to.deep.equal([]);
    await inside(m, () => Registry.register(unique, 'hello', 'world'));
    expect(Registry.values(unique, 'hello', m)).to.deep.equal(['world']);
    expect(Registry.values(unique, 'hello', other)).to.deep.equal([]);
    await inside(m, () => Registry.register(duplicate, 'hello', 'world'));
    await inside(m, () => Registry.register(duplicate, 'hello', 'another'));
    await inside(other, () => Registry.register(duplicate, 'hello', 'theirs'));
    expect(Registry.values(duplicate, 'hello', m)).to.deep.equal(['world', 'another']);
    expect(Registry.values(duplicate, 'hello', 'nobody')).to.deep.equal([]);
  });
});

describe('Registry.updateValue()', () => {
  const track = trackServers();

  it("replaces the running server's value and returns [newValue, oldValue] (Elixir: {2, 1})", async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const m = track(await Member.start());
    await inside(m, () => Registry.register(reg, 'world', 1));
    expect(await inside(m, () => Registry.updateValue(reg, 'world', (n: number) => n + 1))).to.deep.equal([2, 1]);
    expect(Registry.lookup(reg, 'world')).to.deep.equal([{ ref: m, value: 2 }]);
  });

  it('returns undefined, without calling fn, when the running server does not hold the key', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const holder = track(await Member.start());
    const other = track(await Member.start());
    const never = () => {
      throw new Error('never called');
    };
    expect(await inside(other, () => Registry.updateValue(reg, 'hello', never))).to.equal(undefined);
    await inside(holder, () => Registry.register(reg, 'hello', 'value'));
    expect(await inside(other, () => Registry.updateValue(reg, 'hello', never))).to.equal(undefined);
    expect(Registry.lookup(reg, 'hello')).to.deep.equal([{ ref: holder, value: 'value' }]);
  });

  it('throws ArgumentError in a duplicate registry, and GenServerError outside any server', async () => {
    const duplicate = track(await Registry.start({ keys: 'duplicate' }));
    const unique = track(await Registry.start({ keys: 'unique' }));
    const m = track(await Member.start());
    expect(await rejectionOf(inside(m, () => Registry.updateValue(duplicate, 'hello', (v) => v))))
      .to.be.instanceOf(ArgumentError)
      .and.include({
        argument: 'registry',
      });
    expect(() => Registry.updateValue(unique, 'hello', (v) => v)).to.throw(GenServerError, /updateValue/);
  });
});

describe('Registry metadata: meta(), putMeta(), deleteMeta()', () => {
  const track = trackServers();

  it('reads what the meta start option gave, and undefined for an unknown key', async () => {
    const tag = Symbol('tag');
    const reg = track(await Registry.start({ keys: 'unique', meta: { customKey: 'customValue', [tag]: 42 } }));
    expect(Registry.meta(reg, 'customKey')).to.equal('customValue');
    expect(Registry.meta(reg, tag)).to.equal(42);
    expect(Registry.meta(reg, 'unknownKey')).to.equal(undefined);
  });

  it('stores and deletes metadata from anywhere, synchronously', async () => {
    track(await Registry.start({ keys: 'duplicate', name: 'meta_reg' }));
    Registry.putMeta('meta_reg', 'customKey', { v: 1 });
    expect(Registry.meta('meta_reg', 'customKey')).to.deep.equal({ v: 1 });
    Registry.deleteMeta('meta_reg', 'customKey');
    expect(Registry.meta('meta_reg', 'customKey')).to.equal(undefined);
  });

  it('rejects a key that is not a string or symbol with ArgumentError, and a stopped registry with NoProcError', async () => {
    const reg = await Registry.start({ keys: 'unique' });
    expect(() => Registry.putMeta(reg, 1 as unknown as string, 'x')).to.throw(ArgumentError);
    expect(await rejectionOf(Registry.start({ keys: 'unique', meta: [1] as unknown as Record<string, unknown> }))).to.be.instanceOf(
      ArgumentError,
    );
    await GenServer.stop(reg);
    expect(() => Registry.meta(reg, 'k')).to.throw(NoProcError);
  });
});

describe('Registry listeners', () => {
  const track = trackServers();

  it("tells named listeners of every register ({ registry, key, ref, value }) and unregister, as Elixir's {:register, ...}", async () => {
    const listener = track(await Listener.start(undefined, { name: 'reg_listener' }));
    const reg = track(await Registry.start({ keys: 'unique', listeners: ['reg_listener'] }));
    const m = track(await Member.start());
    await inside(m, () => Registry.register(reg, 'hello', 'world'));
    await inside(m, () => Registry.register(reg, 'world', 'value'));
    await inside(m, () => Registry.unregister(reg, 'world'));
    expect(await GenServer.call(listener, 'heard')).to.deep.equal([
      ['register', { registry: reg, key: 'hello', ref: m, value: 'world' }],
      ['register', { registry: reg, key: 'world', ref: m, value: 'value' }],
      ['unregister', { registry: reg, key: 'world', ref: m }],
    ]);
  });

  it('tells of servers registered by a via name, and of unregisterMatch only once it removed all', async () => {
    const listener = track(await Listener.start(undefined, { name: 'reg_listener2' }));
    const unique = track(await Registry.start({ keys: 'unique', listeners: ['reg_listener2'] }));
    const duplicate = track(await Registry.start({ keys: 'duplicate', listeners: ['reg_listener2'] }));
    const named = track(await Member.start(null, { name: Registry.via(unique, 'agent', 'hello') }));
    const m = track(await Member.start());
    await inside(m, () => Registry.register(duplicate, 'k', 1));
    await inside(m, () => Registry.register(duplicate, 'k', 2));
    await inside(m, () => Registry.unregisterMatch(duplicate, 'k', 1));
    await inside(m, () => Registry.unregisterMatch(duplicate, 'k', 2));
    await inside(m, () => Registry.unregister(duplicate, 'not-held'));
    const heard = (await GenServer.call(listener, 'heard')) as Heard[];
    expect(heard.map(([tag, e]) => [tag, e.key, e.ref])).to.deep.equal([
      ['register', 'agent', named],
      ['register', 'k', m],
      ['register', 'k', m],
      ['unregister', 'k', m],
    ]);
    expect(heard[0][1]).to.include({ registry: unique, value: 'hello' });
  });

  it('does not tell them when a registrant exits (a listener that cares monitors it, as in Elixir)', async () => {
    const listener = track(await Listener.start(undefined, { name: 'reg_listener3' }));
    const reg = track(await Registry.start({ keys: 'duplicate', listeners: ['reg_listener3'] }));
    const m = track(await Member.start());
    await inside(m, () => Registry.register(reg, 'k', 1));
    GenServer.exit(m, 'kill');
    await GenServer.awaitExit(m);
    expect(Registry.lookup(reg, 'k')).to.deep.equal([]);
    expect(((await GenServer.call(listener, 'heard')) as Heard[]).map(([tag]) => tag)).to.deep.equal(['register']);
  });

  it('keeps registering when a listener is not running, and reaches it again once restarted under its name', async () => {
    const reg = track(await Registry.start({ keys: 'unique', listeners: ['late_listener'] }));
    const m = track(await Member.start());
    await inside(m, () => Registry.register(reg, 'before', 1));
    const listener = track(await Listener.start(undefined, { name: 'late_listener' }));
    await inside(m, () => Registry.register(reg, 'after', 2));
    expect(((await GenServer.call(listener, 'heard')) as Heard[]).map(([, e]) => e.key)).to.deep.equal(['after']);
  });

  it('rejects listeners that are not server names or refs with ArgumentError', async () => {
    expect(await rejectionOf(Registry.start({ keys: 'unique', listeners: [42 as unknown as string] })))
      .to.be.instanceOf(ArgumentError)
      .and.include({ argument: 'options.listeners' });
  });
});

describe('Registry keys', () => {
  const track = trackServers();

  it('compares keys as a Map does: primitives by value, objects by identity, Match markers literally', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate', partitions: 4 }));
    const m = track(await Member.start());
    const tupleKey = ['_', 'topic'];
    const mapKey = { b: 'b' };
    await inside(m, () => Registry.register(reg, tupleKey, 'tuple'));
    await inside(m, () => Registry.register(reg, mapKey, 'map'));
    await inside(m, () => Registry.register(reg, 1.0, 'one'));
    await inside(m, () => Registry.register(reg, Match._, 'wildcard'));
    expect(Registry.lookup(reg, tupleKey)).to.deep.equal([{ ref: m, value: 'tuple' }]);
    expect(Registry.lookup(reg, ['_', 'topic']), 'an equal array is another key').to.deep.equal([]);
    expect(Registry.match(reg, mapKey, Match._)).to.deep.equal([{ ref: m, value: 'map' }]);
    expect(Registry.countMatch(reg, { b: 'b' }, Match._)).to.equal(0);
    expect(Registry.lookup(reg, 1)).to.deep.equal([{ ref: m, value: 'one' }]);
    expect(Registry.lookup(reg, Match._)).to.deep.equal([{ ref: m, value: 'wildcard' }]);
    await inside(m, () => Registry.unregister(reg, tupleKey));
    expect(Registry.keys(reg, m)).to.have.length(3);
  });
});

describe('Registry.via() with a value', () => {
  const track = trackServers();

  it("registers the server with the value (Elixir's {:via, Registry, {reg, key, value}}); the name without it still finds it", async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const m = track(await Member.start(null, { name: Registry.via(reg, 'agent', { role: 'primary' }) }));
    expect(Registry.lookup(reg, 'agent')).to.deep.equal([{ ref: m, value: { role: 'primary' } }]);
    expect(GenServer.whereis(Registry.via(reg, 'agent'))).to.equal(m);
    expect(Registry.match(reg, 'agent', { role: 'primary' })).to.have.length(1);
  });
});

describe('Registry partitions', () => {
  const track = trackServers();

  for (const keys of ['unique', 'duplicate'] as const) {
    it(`gives the same answers with 8 partitions as with 1 (${keys} keys)`, async () => {
      const one = track(await Registry.start({ keys, partitions: 1 }));
      const eight = track(await Registry.start({ keys, partitions: 8 }));
      const members = [];
      for (let i = 0; i < 6; i++) members.push(track(await Member.start()));
      const keyOf = (i: number, j: number) => (keys === 'unique' ? `k${i}-${j}` : `k${j}`);
      for (const [i, m] of members.entries()) {
        for (let j = 0; j < 3; j++) {
          await inside(m, () => Registry.register(one, keyOf(i, j), i * 10 + j));
          await inside(m, () => Registry.register(eight, keyOf(i, j), i * 10 + j));
        }
      }
      const byValue = (a: RegistryEntry, b: RegistryEntry) => (a.value as number) - (b.value as number);
      for (let j = 0; j < 3; j++) {
        const key = keyOf(2, j);
        expect(Registry.lookup(eight, key).sort(byValue)).to.deep.equal(Registry.lookup(one, key).sort(byValue));
      }
      expect(Registry.count(eight)).to.equal(18);
      expect(Registry.keys(eight, members[3])).to.deep.equal(Registry.keys(one, members[3]));
      expect(Registry.countSelect(eight, {})).to.equal(18);
      GenServer.exit(members[0], 'kill');
      await GenServer.awaitExit(members[0]);
      expect(Registry.count(eight)).to.equal(15);
      expect(Registry.select(eight, { match: { ref: members[0] } })).to.deep.equal([]);
    });
  }

  it('calls the dispatch function once per partition that has entries, in a duplicate registry', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate', partitions: 4 }));
    const members = [];
    for (let i = 0; i < 8; i++) members.push(track(await Member.start()));
    for (const m of members) await inside(m, () => Registry.register(reg, 'topic', 'v'));
    const calls: number[] = [];
    Registry.dispatch(reg, 'topic', (entries) => calls.push(entries.length));
    expect(calls.length).to.be.within(2, 4);
    expect(calls.reduce((a, b) => a + b, 0)).to.equal(8);
  });

  it('rejects a partitions option that is not an integer from 1 to 1024 with ArgumentError', async () => {
    for (const partitions of [0, 1.5, -1, 2000, '4']) {
      expect(await rejectionOf(Registry.start({ keys: 'unique', partitions: partitions as number })))
        .to.be.instanceOf(ArgumentError)
        .and.include({ argument: 'options.partitions' });
    }
  });
});

describe('Registry as a pub/sub: dispatch()', () => {
  const track = trackServers();

  it("broadcasts to every subscriber of a topic, as Elixir's PubSub recipe does", async () => {
    const reg = track(await Registry.start({ keys: 'duplicate', partitions: 2 }));
    const a = track(await Subscriber.start({ reg, topic: 'hello' }));
    const b = track(await Subscriber.start({ reg, topic: 'hello' }));
    const c = track(await Subscriber.start({ reg, topic: 'other' }));
    Registry.dispatch(reg, 'hello', (entries) => {
      for (const { ref } of entries) GenServer.send(ref, 'broadcast', 'world');
    });
    expect(await GenServer.call(a, 'got')).to.deep.equal(['world']);
    expect(await GenServer.call(b, 'got')).to.deep.equal(['world']);
    expect(await GenServer.call(c, 'got')).to.deep.equal([]);
  });

  it('dispatches only to the entries matching options.pattern and guards', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const debug = track(await Subscriber.start({ reg, topic: 'log', value: { level: 0 } }));
    const warn = track(await Subscriber.start({ reg, topic: 'log', value: { level: 2 } }));
    const { $ } = Match;
    const seen: RegistryEntry[][] = [];
    Registry.dispatch(reg, 'log', (entries) => seen.push(entries), { pattern: { level: $('l') }, guards: [['>=', $('l'), 1]] });
    expect(seen).to.deep.equal([[{ ref: warn, value: { level: 2 } }]]);
    let called = 0;
    Registry.dispatch(reg, 'log', () => called++, { pattern: { level: 9 } });
    expect(called, 'no call when nothing matches').to.equal(0);
    expect(GenServer.isAlive(debug)).to.equal(true);
  });
});
