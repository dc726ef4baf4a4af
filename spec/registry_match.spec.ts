import { expect } from 'chai';
import fc from 'fast-check';
import {
  ArgumentError,
  GenServer,
  Match,
  MatchSpecError,
  Registry,
  type Guard,
  type RegistryKeys,
  type SelectClause,
  type ServerRef,
} from '../lib';
import { trackServers } from './support/helpers';
import { Member, inside } from './support/registry_member';

// ---- fixtures ---------------------------------------------------------------------------------

const { _, $ } = Match;

// ---- specs ------------------------------------------------------------------------------------

for (const partitions of [1, 8]) {
  describe(`Registry.match() (partitions: ${partitions})`, () => {
    const track = trackServers();
    const start = async (keys: RegistryKeys) => track(await Registry.start({ keys, partitions }));

    it('returns the entries under the key whose value matches a pattern of literals and Match._', async () => {
      const reg = await start('duplicate');
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'hello', [1, 'atom', 1]));
      await inside(m, () => Registry.register(reg, 'hello', [2, 'atom', 2]));
      expect(Registry.match(reg, 'hello', [1, _, _])).to.deep.equal([{ ref: m, value: [1, 'atom', 1] }]);
      expect(Registry.match(reg, 'hello', [2, _, _])).to.deep.equal([{ ref: m, value: [2, 'atom', 2] }]);
      expect(Registry.match(reg, 'hello', [_, 'atom', _])).to.have.length(2);
      expect(Registry.match(reg, 'hello', [_, _])).to.deep.equal([], 'an array pattern needs the same length');
      expect(Registry.match(reg, 'hello', _)).to.have.length(2);
      expect(Registry.match(reg, 'nobody', _)).to.deep.equal([]);
    });

    it('takes the key literally: Match._ as a key is a key, not a wildcard (Elixir: match(reg, :_, :_) == [])', async () => {
      const reg = await start('unique');
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'hello', 1));
      expect(Registry.match(reg, _, _)).to.deep.equal([]);
      await inside(m, () => Registry.register(reg, _, 'the wildcard itself'));
      expect(Registry.match(reg, _, _)).to.deep.equal([{ ref: m, value: 'the wildcard itself' }]);
    });

    it('binds variables: a repeated Match.$ must meet equal values', async () => {
      const reg = await start('duplicate');
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'hello', [1, 'atom', 1]));
      await inside(m, () => Registry.register(reg, 'hello', [1, 'atom', 2]));
      expect(Registry.match(reg, 'hello', [$(1), _, $(1)]).map((e) => e.value)).to.deep.equal([[1, 'atom', 1]]);
      expect(Registry.match(reg, 'hello', [$('a'), _, $('b')])).to.have.length(2);
    });

    it('matches an object pattern against objects having at least those own fields (Elixir map patterns)', async () => {
      const reg = await start('unique');
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'world', { a: 'a', b: 'b', nested: { deep: [1, 2] } }));
      expect(Registry.match(reg, 'world', { b: 'b' })).to.have.length(1);
      expect(Registry.match(reg, 'world', {})).to.have.length(1);
      expect(Registry.match(reg, 'world', { nested: { deep: [_, 2] } })).to.have.length(1);
      expect(Registry.match(reg, 'world', { b: 'c' })).to.deep.equal([]);
      expect(Registry.match(reg, 'world', { c: _ })).to.deep.equal([], 'a missing field does not match even Match._');
    });

    it('applies guards to the bound variables (Elixir: {:>, :"$1", 1}, {:is_atom, :"$1"})', async () => {
      const reg = await start('duplicate');
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'hello', [1, 'atom', 1]));
      await inside(m, () => Registry.register(reg, 'hello', [2, 'atom', 2]));
      const firsts = (guards: Guard[]) => Registry.match<number[]>(reg, 'hello', [$(1), $(2), _], guards).map((e) => e.value[0]);
      expect(firsts([['<', $(1), 2]])).to.deep.equal([1]);
      expect(firsts([['>', $(1), 3]])).to.deep.equal([]);
      expect(firsts([['<', $(1), 3]])).to.deep.equal([1, 2]);
      expect(firsts([['isString', $(2)]])).to.deep.equal([1, 2]);
      expect(firsts([['isString', $(1)]])).to.deep.equal([]);
      expect(firsts([['or', ['===', $(1), 2], ['===', $(1), 5]]])).to.deep.equal([2]);
      expect(firsts([['in', $(1), Match.const([2, 3])]])).to.deep.equal([2]);
      expect(
        firsts([
          ['>', $(1), 1],
          ['<', $(1), 2],
        ]),
        'every guard must hold',
      ).to.deep.equal([]);
    });

    it('treats a guard that cannot be evaluated as false, as Erlang does, not as an error', async () => {
      const reg = await start('duplicate');
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'k', { n: 5 }));
      await inside(m, () => Registry.register(reg, 'k', { n: 'five' }));
      const ns = (guards: Guard[]) => Registry.match<{ n: unknown }>(reg, 'k', { n: $('n') }, guards).map((e) => e.value.n);
      expect(ns([['>', $('n'), 1]])).to.deep.equal([5]);
      expect(ns([['>', ['+', $('n'), 1], 1]])).to.deep.equal([5]);
      expect(ns([['not', ['>', $('n'), 1]]])).to.deep.equal([]);
      expect(ns([['+', $('n'), 1]]), 'only exactly true passes').to.deep.equal([]);
      expect(ns([['get', Match.entry, 'missing']])).to.deep.equal([]);
    });

    it('compares with === but NaN equals NaN, and 1 and 1.0 are one number in JS', async () => {
      const reg = await start('unique');
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'n', [Number.NaN, 1.0]));
      expect(Registry.match(reg, 'n', [Number.NaN, 1])).to.have.length(1);
      expect(Registry.match(reg, 'n', [_, '1'])).to.deep.equal([]);
    });

    it('countMatch() counts what match() would return', async () => {
      const reg = await start('duplicate');
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'hello', [1, 'atom', 1]));
      await inside(m, () => Registry.register(reg, 'hello', [2, 'atom', 2]));
      expect(Registry.countMatch(reg, 'hello', [1, _, _])).to.equal(1);
      expect(Registry.countMatch(reg, 'hello', [_, 'atom', _])).to.equal(2);
      expect(Registry.countMatch(reg, 'hello', [_, _, $(1)], [['>', $(1), 1]])).to.equal(1);
      expect(Registry.countMatch(reg, 'hello', _)).to.equal(2);
      expect(Registry.countMatch(reg, _, _)).to.equal(0);
    });

    it("unregisterMatch() removes only the running server's matching entries under the key", async () => {
      const reg = await start('duplicate');
      const a = track(await Member.start());
      const b = track(await Member.start());
      for (const v of ['a', 'b', 'c']) await inside(a, () => Registry.register(reg, 'hello', { v }));
      await inside(b, () => Registry.register(reg, 'hello', { v: 'a' }));
      await inside(a, () => Registry.unregisterMatch(reg, 'hello', { v: 'a' }));
      expect(Registry.values(reg, 'hello', a)).to.deep.equal([{ v: 'b' }, { v: 'c' }]);
      expect(Registry.values(reg, 'hello', b)).to.deep.equal([{ v: 'a' }]);
      expect(Registry.keys(reg, a)).to.deep.equal(['hello', 'hello']);
      expect(Registry.count(reg)).to.equal(3);
      await inside(a, () => Registry.unregisterMatch(reg, 'hello', { v: $('v') }, [['!==', $('v'), 'zzz']]));
      expect(Registry.keys(reg, a)).to.deep.equal([]);
      expect(GenServer.info(a).links, 'its last entry gone, it is unlinked').to.deep.equal([]);
    });

    it('unregisterMatch() in a unique registry removes the entry only if its value matches', async () => {
      const reg = await start('unique');
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'hello', 'world'));
      await inside(m, () => Registry.unregisterMatch(reg, 'hello', 'foo'));
      expect(Registry.keys(reg, m)).to.deep.equal(['hello']);
      await inside(m, () => Registry.unregisterMatch(reg, 'hello', 'world'));
      expect(Registry.keys(reg, m)).to.deep.equal([]);
    });
  });

  describe(`Registry.select() and countSelect() (partitions: ${partitions})`, () => {
    const track = trackServers();

    it('returns every entry as { key, ref, value } with an empty clause, and nothing from an empty registry', async () => {
      const reg = track(await Registry.start({ keys: 'unique', partitions }));
      expect(Registry.select(reg, {})).to.deep.equal([]);
      const m = track(await Member.start());
      const named = track(await Member.start(null, { name: Registry.via(reg, 'hello') }));
      await inside(m, () => Registry.register(reg, 'world', 'value'));
      const all = Registry.select<{ key: string }>(reg, [{}]).sort((x, y) => x.key.localeCompare(y.key));
      expect(all).to.deep.equal([
        { key: 'hello', ref: named, value: undefined },
        { key: 'world', ref: m, value: 'value' },
      ]);
    });

    it('matches key, ref and value, binds across them, and shapes the result', async () => {
      const reg = track(await Registry.start({ keys: 'unique', partitions }));
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'hello', [1, 'atom', 1]));
      await inside(m, () => Registry.register(reg, 'world', { a: 'a', b: 'b' }));
      expect(Registry.select(reg, { match: { key: 'hello', ref: $('r'), value: $('v') }, result: [$('r'), $('v')] })).to.deep.equal([
        [m, [1, 'atom', 1]],
      ]);
      expect(Registry.select(reg, { match: { ref: m, value: [$(3), $(4), $(3)] }, result: { n: $(3), tag: $(4) } })).to.deep.equal([
        { n: 1, tag: 'atom' },
      ]);
      expect(Registry.select(reg, { match: { key: 'world', value: { b: 'b' } }, result: 'match' })).to.deep.equal(['match']);
      expect(Registry.select(reg, { match: { key: 'nope' } })).to.deep.equal([]);
      expect(Registry.select(reg, { match: { value: [1.5, _, _] } })).to.deep.equal([]);
      expect(Registry.select<string>(reg, { match: { key: $(1) }, result: $(1) }).sort()).to.deep.equal(['hello', 'world']);
    });

    it('applies guards, and Match.entry gives the whole entry', async () => {
      const reg = track(await Registry.start({ keys: 'unique', partitions }));
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'hello', [1, 'atom', 2]));
      expect(Registry.select(reg, { match: { key: $(1), value: [_, _, $(5)] }, guards: [['>', $(5), 1]], result: $(1) })).to.deep.equal([
        'hello',
      ]);
      expect(Registry.select(reg, { match: { value: [_, _, $(1)] }, guards: [['>', $(1), 2]], result: Match.entry })).to.deep.equal([]);
      expect(
        Registry.select(reg, { match: { key: $(1), value: [_, $(2), _] }, guards: [['isString', $(2)]], result: Match.entry }),
      ).to.deep.equal([{ key: 'hello', ref: m, value: [1, 'atom', 2] }]);
      expect(Registry.select(reg, { match: { key: $('k') }, guards: [['startsWith', $('k'), 'hel']], result: $('k') })).to.deep.equal([
        'hello',
      ]);
    });

    it('tries the clauses in order: the first that matches an entry gives its result', async () => {
      const reg = track(await Registry.start({ keys: 'unique', partitions }));
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'hello', 'value'));
      await inside(m, () => Registry.register(reg, 'world', 'value'));
      const spec: SelectClause[] = [{ match: { key: 'hello' }, result: 'first' }, { result: 'other' }, { result: 'never' }];
      expect(Registry.select<string>(reg, spec).sort()).to.deep.equal(['first', 'other']);
      expect(Registry.countSelect(reg, [{ match: { key: 'hello' } }, { match: { key: 'world' } }])).to.equal(2);
    });

    it('countSelect() counts the entries some clause matches', async () => {
      const reg = track(await Registry.start({ keys: 'duplicate', partitions }));
      const m = track(await Member.start());
      await inside(m, () => Registry.register(reg, 'hello', [1, 'atom', 1]));
      await inside(m, () => Registry.register(reg, 'hello', [1, 'atom', 1]));
      await inside(m, () => Registry.register(reg, 'world', { a: 'a' }));
      expect(Registry.countSelect(reg, { match: { value: [1, 'atom', 1] } })).to.equal(2);
      expect(Registry.countSelect(reg, { match: { key: 'hello' } })).to.equal(2);
      expect(Registry.countSelect(reg, { match: { value: [$(1), _, $(1)] } })).to.equal(2);
      expect(Registry.countSelect(reg, { match: { key: 'hello', value: null } })).to.equal(0);
      expect(Registry.countSelect(reg, { match: { value: [_, _, $(1)] }, guards: [['>', $(1), 0]] })).to.equal(2);
    });
  });
}

describe('Match specs: the guard operators', () => {
  const track = trackServers();

  it('evaluates every operator of the README table as documented', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const m = track(await Member.start());
    await inside(m, () =>
      Registry.register(reg, 'k', { n: 7, big: 10n, s: 'hello', list: [1, 2, 3], obj: { a: 1, b: 2 }, nil: null, ref: m }),
    );
    const holds = (guard: Guard) =>
      Registry.countSelect(reg, {
        match: { value: { n: $('n'), big: $('big'), s: $('s'), list: $('list'), obj: $('obj'), nil: $('nil'), ref: $('ref') } },
        guards: [guard],
      }) === 1;
    const n = $('n');
    const yes: Guard[] = [
      ['===', n, 7],
      ['!==', n, 8],
      ['<', n, 8],
      ['<=', n, 7],
      ['>', n, 6],
      ['>=', n, 7],
      ['<', $('s'), 'world'],
      ['>', $('big'), 9n],
      ['and', ['>', n, 1], ['<', n, 9], true],
      ['or', ['>', n, 100], ['===', n, 7]],
      ['not', ['===', n, 8]],
      ['===', ['+', n, 1], 8],
      ['===', ['-', n, 1], 6],
      ['===', ['*', n, 2], 14],
      ['===', ['/', n, 2], 3.5],
      ['===', ['%', n, 4], 3],
      ['===', ['abs', ['-', 0, n]], 7],
      ['===', ['+', $('big'), 1n], 11n],
      ['isNumber', n],
      ['isInteger', n],
      ['isInteger', $('big')],
      ['isString', $('s')],
      ['isBoolean', ['>', n, 1]],
      ['isBigInt', $('big')],
      ['isArray', $('list')],
      ['isObject', $('obj')],
      ['isNull', $('nil')],
      ['isUndefined', Match.const(undefined)],
      ['isRef', $('ref')],
      ['===', ['length', $('list')], 3],
      ['===', ['length', $('s')], 5],
      ['===', ['size', $('obj')], 2],
      ['===', ['get', $('obj'), 'b'], 2],
      ['===', ['get', $('list'), 0], 1],
      ['has', $('obj'), 'a'],
      ['in', n, Match.const([5, 7])],
      ['startsWith', $('s'), 'he'],
      ['endsWith', $('s'), 'lo'],
      true,
    ];
    const no: Guard[] = [
      ['<', n, 'z'],
      ['+', n, 1],
      ['===', ['+', n, 1n], 8],
      ['not', n],
      ['and', n, true],
      ['isString', n],
      ['isObject', $('list')],
      ['isRef', $('obj')],
      ['has', $('obj'), 'c'],
      ['in', n, Match.const([5, 6])],
      ['startsWith', n, '7'],
      ['isUndefined', ['get', Match.entry, 'nothing']],
      ['===', ['/', $('big'), 0n], 0n],
      false,
    ];
    expect(
      yes.filter((g) => !holds(g)),
      'guards that should hold',
    ).to.deep.equal([]);
    expect(
      no.filter((g) => holds(g)),
      'guards that should not hold',
    ).to.deep.equal([]);
  });

  it('Match.const in a pattern means exactly that value, even an object or an array', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const m = track(await Member.start());
    const shared = { a: 1 };
    await inside(m, () => Registry.register(reg, 'k', shared));
    await inside(m, () => Registry.register(reg, 'k', { a: 1 }));
    expect(Registry.countMatch(reg, 'k', { a: 1 })).to.equal(2);
    expect(Registry.countMatch(reg, 'k', Match.const(shared))).to.equal(1);
    expect(Registry.countMatch(reg, 'k', shared), 'a plain object is a pattern').to.equal(2);
  });
});

describe('Match specs: errors', () => {
  const track = trackServers();

  it('throws MatchSpecError (an ArgumentError) naming where: an unknown operator, a bad arity, an unbound variable', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const error = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      throw new Error('expected a throw');
    };
    const unknown = error(() => Registry.match(reg, 'k', $(1), [['eval' as '===', $(1), 'x']]));
    expect(unknown).to.be.instanceOf(MatchSpecError).and.instanceOf(ArgumentError).and.include({ argument: 'guards[0][0]', value: 'eval' });
    expect((unknown as Error).message).to.match(/guard operator .*'==='/);
    expect(error(() => Registry.match(reg, 'k', $(1), [['constructor' as '===', $(1)]]))).to.include({ argument: 'guards[0][0]' });
    expect(error(() => Registry.match(reg, 'k', $(1), [['>', $(1)]])))
      .to.be.instanceOf(MatchSpecError)
      .and.include({ argument: 'guards[0]' });
    expect(error(() => Registry.match(reg, 'k', _, [['>', $('n'), 1]]))).to.include({ argument: 'guards[0][1]' });
    expect(error(() => Registry.match(reg, 'k', _, ['yes' as unknown as Guard]))).to.include({ argument: 'guards[0]' });
    expect(error(() => Registry.match(reg, 'k', Match.entry))).to.include({ argument: 'pattern' });
    expect(error(() => Registry.match(reg, 'k', _, [['===', _, 1]]))).to.include({ argument: 'guards[0][1]' });
    expect(error(() => Registry.select(reg, [{ match: { key: 'k' } }, { matches: {} } as SelectClause]))).to.include({
      argument: 'spec[1].matches',
    });
    expect(error(() => Registry.select(reg, { match: { pid: _ } as SelectClause['match'] }))).to.include({ argument: 'spec.match.pid' });
    expect(error(() => Registry.select(reg, [[_, [], []] as unknown as SelectClause]))).to.include({ argument: 'spec[0]' });
    expect(error(() => Registry.select(reg, { result: $('x') }))).to.include({ argument: 'spec.result' });
    expect(error(() => Match.$(''))).to.be.instanceOf(ArgumentError);
  });

  it('refuses hostile specs with MatchSpecError: cyclic, accessors, throwing Proxies', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => Registry.match(reg, 'k', cyclic)).to.throw(MatchSpecError, /deep/);
    const getter = {
      get a() {
        throw new Error('getter ran');
      },
    };
    expect(() => Registry.match(reg, 'k', getter)).to.throw(MatchSpecError, /data property/);
    const trap = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    expect(() => Registry.match(reg, 'k', trap)).to.throw(MatchSpecError);
    expect(() => Registry.select(reg, { match: { value: [trap] } })).to.throw(MatchSpecError);
  });

  it('never runs code of the registered values: getters, toString and Proxies do not match and do not throw', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate' }));
    const m = track(await Member.start());
    let ran = 0;
    const hostile = [
      {
        get a() {
          ran++;
          return 1;
        },
      },
      {
        a: {
          toString() {
            ran++;
            return '1';
          },
          valueOf() {
            ran++;
            return 1;
          },
        },
      },
      new Proxy(
        { a: 1 },
        {
          getOwnPropertyDescriptor() {
            throw new Error('trap');
          },
        },
      ),
      (() => {
        const r = Proxy.revocable({ a: 1 }, {});
        r.revoke();
        return r.proxy;
      })(),
      { a: 1 },
    ];
    for (const v of hostile) await inside(m, () => Registry.register(reg, 'k', v));
    expect(Registry.match(reg, 'k', { a: 1 })).to.have.length(1);
    expect(Registry.match(reg, 'k', { a: $('a') }, [['>', $('a'), 0]])).to.have.length(1);
    expect(Registry.countSelect(reg, { match: { value: $('v') }, guards: [['===', ['get', $('v'), 'a'], 1]] })).to.equal(1);
    expect(Registry.countSelect(reg, { match: { value: $('v') }, guards: [['has', $('v'), 'a']] })).to.equal(2);
    expect(Registry.countSelect(reg, { match: { value: $('v') }, guards: [['or', ['isRef', $('v')], ['in', 1, $('v')]]] })).to.equal(0);
    expect(Registry.countSelect(reg, { match: { value: $('v') }, guards: [['===', ['size', $('v')], 1]] })).to.equal(3);
    expect(ran).to.equal(0);
  });

  it('keeps a __proto__ field of a result a field, never a prototype', async () => {
    const reg = track(await Registry.start({ keys: 'unique' }));
    const m = track(await Member.start());
    await inside(m, () => Registry.register(reg, 'k', { polluted: true }));
    const template = JSON.parse('{"__proto__": {"polluted": "yes"}, "v": 1}');
    const [result] = Registry.select<Record<string, unknown>>(reg, { result: template });
    expect(Object.getPrototypeOf(result)).to.equal(Object.prototype);
    expect(Object.keys(result)).to.deep.equal(['__proto__', 'v']);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });
});

// ---- property-based: match and select against a model ------------------------------------------

/** The model: what a match should return, written the plain way (a recursive comparison). */
function modelMatches(pattern: unknown, value: unknown, env: Map<string, unknown>): boolean {
  if (pattern === Match._) return true;
  if (pattern instanceof Object && pattern.constructor?.name === 'MatchVar') {
    const name = (pattern as { name: string }).name;
    if (env.has(name)) return Object.is(env.get(name), value) || env.get(name) === value;
    env.set(name, value);
    return true;
  }
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && value.length === pattern.length && pattern.every((p, i) => modelMatches(p, value[i], env));
  }
  if (pattern !== null && typeof pattern === 'object') {
    return (
      value !== null &&
      typeof value === 'object' &&
      Object.entries(pattern).every(([k, p]) => Object.hasOwn(value, k) && modelMatches(p, (value as Record<string, unknown>)[k], env))
    );
  }
  return Object.is(pattern, value) || pattern === value;
}

const leaf = fc.oneof(fc.constantFrom(0, 1, 2, 'a', 'b', true, null), fc.integer({ min: -3, max: 3 }));
const valueArb: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('x', 'y', 'z'), tie('v'), { maxKeys: 3 }),
  ),
})).v;
const patternArb: fc.Arbitrary<unknown> = fc.letrec<{ p: unknown }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.constant(Match._),
    fc.constantFrom('A', 'B').map((n) => Match.$(n)),
    fc.array(tie('p'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('x', 'y', 'z'), tie('p'), { maxKeys: 2 }),
  ),
})).p;

describe('Registry.match() and select() against a model (property-based)', () => {
  const track = trackServers();

  it('match() returns exactly the entries the model matches, in order, for random values and patterns', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate', partitions: 1 }));
    const m = track(await Member.start());
    await fc.assert(
      fc.asyncProperty(fc.array(valueArb, { maxLength: 8 }), patternArb, async (values, pattern) => {
        await inside(m, () => Registry.unregister(reg, 'k'));
        for (const v of values) await inside(m, () => Registry.register(reg, 'k', v));
        const expected = values.filter((v) => modelMatches(pattern, v, new Map()));
        expect(Registry.match(reg, 'k', pattern).map((e) => e.value)).to.deep.equal(expected);
        expect(Registry.countMatch(reg, 'k', pattern)).to.equal(expected.length);
        expect(Registry.countSelect(reg, { match: { key: 'k', value: pattern } })).to.equal(expected.length);
      }),
      { numRuns: 150 },
    );
  });

  it('select() with a guard on a bound number agrees with filtering by hand', async () => {
    const reg = track(await Registry.start({ keys: 'duplicate', partitions: 4 }));
    const members = [track(await Member.start()), track(await Member.start())];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(1), fc.constantFrom('a', 'b', 'c'), fc.integer({ min: -5, max: 5 })), { maxLength: 12 }),
        fc.constantFrom('<', '<=', '>', '>=', '===', '!==' as const),
        fc.integer({ min: -5, max: 5 }),
        async (rows, op, bound) => {
          for (const m of members) for (const key of ['a', 'b', 'c']) await inside(m, () => Registry.unregister(reg, key));
          for (const [who, key, n] of rows) await inside(members[who], () => Registry.register(reg, key, { n }));
          const ops: Record<string, (a: number, b: number) => boolean> = {
            '<': (a, b) => a < b,
            '<=': (a, b) => a <= b,
            '>': (a, b) => a > b,
            '>=': (a, b) => a >= b,
            '===': (a, b) => a === b,
            '!==': (a, b) => a !== b,
          };
          const expected = rows.filter(([, , n]) => ops[op](n, bound)).map(([who, key, n]) => `${who}:${key}:${n}`);
          const got = Registry.select<[ServerRef, string, number]>(reg, {
            match: { key: $('k'), ref: $('r'), value: { n: $('n') } },
            guards: [[op, $('n'), bound]],
            result: [$('r'), $('k'), $('n')],
          }).map(([r, k, n]) => `${members.indexOf(r as ServerRef<Member>)}:${k}:${n}`);
          expect([...got].sort()).to.deep.equal([...expected].sort());
        },
      ),
      { numRuns: 60 },
    );
  });
});
