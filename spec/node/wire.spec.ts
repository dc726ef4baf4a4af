import { expect } from 'chai';
import { decode, type WireContext } from '../../lib/node/wire';

// Only the parts of the context a plain payload and an error marker need: the others must not run.
const ctx = new Proxy({} as WireContext, {
  get: (_target, key) => () => {
    throw new Error(`unexpected use of the wire context: ${String(key)}`);
  },
});

describe('wire values from another node', () => {
  it('keep a __proto__ key of a decoded object as an own property, never as its prototype', () => {
    const wire = JSON.parse('{"$":"obj","value":{"__proto__":{"polluted":true},"a":1}}');
    const out = decode(wire, ctx) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
    expect(Object.keys(out)).to.deep.equal(['__proto__', 'a']);
    expect((out as { polluted?: unknown }).polluted).to.equal(undefined);
    expect(({} as { polluted?: unknown }).polluted).to.equal(undefined);
  });

  it("keep a __proto__ field of a decoded error as an own property, never as the error's prototype", () => {
    const wire = JSON.parse(
      '{"$":"error","class":"TypeError","message":"bad","stack":"TypeError: bad","node":"n","fields":{"__proto__":{"polluted":true},"code":"E"}}',
    );
    const error = decode(wire, ctx) as TypeError & { code?: string; polluted?: unknown };
    expect(error).to.be.instanceOf(TypeError);
    expect(error.code).to.equal('E');
    expect(error.polluted).to.equal(undefined);
    expect(Object.hasOwn(error, '__proto__')).to.equal(true);
  });
});
