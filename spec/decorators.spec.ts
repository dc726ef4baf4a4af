import { expect } from 'chai';
import ts from 'typescript';
import * as lib from '../lib';
import {
  DecoratorError,
  GenServer,
  UnknownMessageError,
  handleCall,
  handleCast,
  handleInfo,
  init,
  noreply,
  reply,
  terminate,
} from '../lib';
import { rejectionOf, trackServers } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

/** The state carries an array owned by the test, so the test can read what the handlers did. */
interface Journal {
  events: string[];
}

class Greeter extends GenServer<Journal> {
  @init
  setup(journal: Journal) {
    journal.events.push('init');
    return journal;
  }

  @handleCall('greet')
  greet(who: string, state: Journal, from: object) {
    return reply(`hello ${who} (from is ${typeof from})`, state);
  }

  @handleCall
  whoami(_: void, state: Journal) {
    return reply(this instanceof Greeter ? 'a Greeter' : 'someone else', state);
  }

  @handleCast('note')
  note(text: string, state: Journal) {
    state.events.push(`cast ${text}`);
    return noreply(state);
  }

  @handleCast
  shout(text: string, state: Journal) {
    state.events.push(`shout ${text}`);
    return noreply(state);
  }

  @handleInfo('ping')
  ping(text: string, state: Journal) {
    state.events.push(`info ${text}`);
    return noreply(state);
  }

  @terminate
  cleanup(reason: unknown, state: Journal) {
    state.events.push(`terminate ${String(reason)}`);
  }
}

/** Overrides 'greet' with a differently named method and adds a tag of its own. */
class FrenchGreeter extends Greeter {
  @handleCall('greet')
  bonjour(who: string, state: Journal) {
    return reply(`bonjour ${who}`, state);
  }

  @handleCall('farewell')
  farewell(who: string, state: Journal) {
    return reply(`au revoir ${who}`, state);
  }
}

/** Overrides the decorated method itself, without a decorator. */
class CasualGreeter extends Greeter {
  override greet(who: string, state: Journal) {
    return reply(`hi ${who}`, state);
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('decorators', () => {
  const track = trackServers();
  const journal = (): Journal => ({ events: [] });

  describe('the handler table', () => {
    it('@init builds the initial state from the start argument', async () => {
      const state = journal();
      const ref = track(await Greeter.start(state));
      expect(state.events).to.deep.equal(['init']);
      await GenServer.stop(ref);
    });

    it('@handleCall(tag) answers calls with that tag, getting (payload, state, from)', async () => {
      const ref = track(await Greeter.start(journal()));
      expect(await GenServer.call(ref, 'greet', 'Ada')).to.equal('hello Ada (from is object)');
      await GenServer.stop(ref);
    });

    it('@handleCast(tag) handles casts and @handleInfo(tag) handles GenServer.send', async () => {
      const state = journal();
      const ref = track(await Greeter.start(state));
      GenServer.cast(ref, 'note', 'a');
      GenServer.send(ref, 'ping', 'b');
      await GenServer.call(ref, 'whoami');
      expect(state.events).to.deep.equal(['init', 'cast a', 'info b']);
      await GenServer.stop(ref);
    });

    it('bare @handleCall and @handleCast use the method name as the tag', async () => {
      const state = journal();
      const ref = track(await Greeter.start(state));
      GenServer.cast(ref, 'shout', 'hey');
      expect(await GenServer.call(ref, 'whoami')).to.equal('a Greeter');
      expect(state.events).to.deep.equal(['init', 'shout hey']);
      await GenServer.stop(ref);
    });

    it('runs handlers with `this` bound to the server instance', async () => {
      const ref = track(await Greeter.start(journal()));
      expect(await GenServer.call(ref, 'whoami')).to.equal('a Greeter');
      await GenServer.stop(ref);
    });

    it('@terminate runs with the stop reason and the last state', async () => {
      const state = journal();
      const ref = track(await Greeter.start(state));
      await GenServer.stop(ref, 'shutdown');
      expect(state.events).to.deep.equal(['init', 'terminate shutdown']);
    });
  });

  describe('inheritance', () => {
    it('a subclass inherits every handler, @init and @terminate included', async () => {
      const state = journal();
      const ref = track(await FrenchGreeter.start(state));
      GenServer.cast(ref, 'note', 'x');
      expect(await GenServer.call(ref, 'whoami')).to.equal('a Greeter');
      await GenServer.stop(ref);
      expect(state.events).to.deep.equal(['init', 'cast x', 'terminate normal']);
    });

    it('a subclass overrides a handler by decorating a method with the same tag', async () => {
      const ref = track(await FrenchGreeter.start(journal()));
      expect(await GenServer.call(ref, 'greet', 'Ada')).to.equal('bonjour Ada');
      await GenServer.stop(ref);
    });

    it("leaves the parent's table untouched: the parent keeps its handler and gains none", async () => {
      const ref = track(await Greeter.start(journal()));
      expect(await GenServer.call(ref, 'greet', 'Ada')).to.equal('hello Ada (from is object)');
      expect(await rejectionOf(GenServer.call(ref, 'farewell', 'Ada'))).to.be.instanceOf(UnknownMessageError);
      await GenServer.stop(ref);
    });

    it('honours a plain (undecorated) override of a decorated method', async () => {
      const ref = track(await CasualGreeter.start(journal()));
      expect(await GenServer.call(ref, 'greet', 'Ada')).to.equal('hi Ada');
      await GenServer.stop(ref);
    });

    it("lets a subclass re-declare its parent's tag without a DecoratorError", () => {
      expect(() => {
        class Again extends FrenchGreeter {
          @handleCall('greet')
          hallo(who: string, state: Journal) {
            return reply(`hallo ${who}`, state);
          }
        }
        void Again;
      }).not.to.throw();
    });
  });

  describe('misuse throws DecoratorError while the class is being defined', () => {
    function definitionError(define: () => void): DecoratorError {
      try {
        define();
      } catch (error) {
        expect(error).to.be.instanceOf(DecoratorError);
        return error as DecoratorError;
      }
      throw new Error('expected the class definition to throw');
    }

    it('two handlers for one tag in one class, naming the tag and how to fix it', () => {
      const error = definitionError(() => {
        class Twice extends GenServer {
          @handleCall('get') first() {
            return reply(1, null);
          }
          @handleCall('get') second() {
            return reply(2, null);
          }
        }
        void Twice;
      });
      expect(error.message).to.contain("'get'").and.to.contain('second').and.to.contain('subclass');
    });

    it('two @init methods in one class', () => {
      definitionError(() => {
        class TwoInits extends GenServer {
          @init a() {
            return 1;
          }
          @init b() {
            return 2;
          }
        }
        void TwoInits;
      });
    });

    it('a decorator on a property', () => {
      const error = definitionError(() => {
        class OnProperty extends GenServer {
          // @ts-expect-error a property is not a method
          @handleCall('value') value = 1;
        }
        void OnProperty;
      });
      expect(error.message).to.contain('@handleCall').and.to.contain('value').and.to.contain('method');
    });

    it('a decorator on a getter', () => {
      definitionError(() => {
        class OnGetter extends GenServer {
          // @ts-expect-error a getter is not a method
          @handleCall('value') get value() {
            return 1;
          }
        }
        void OnGetter;
      });
    });

    it('a decorator on a static method', () => {
      const error = definitionError(() => {
        class OnStatic extends GenServer {
          @handleCast('reset') static reset() {
            return noreply(0);
          }
        }
        void OnStatic;
      });
      expect(error.message).to.contain('static');
    });

    it('a tag that is not a string, as in @handleCall(123)', () => {
      const error = definitionError(() => {
        class NumericTag extends GenServer {
          // @ts-expect-error the tag must be a string
          @handleCall(123) get() {
            return reply(1, null);
          }
        }
        void NumericTag;
      });
      expect(error.message).to.contain("@handleCall('increment')");
    });
  });

  describe('TC39 standard decorators (no experimentalDecorators flag)', () => {
    /** Compiles `source` as TypeScript without `experimentalDecorators` and runs it against the library. */
    type Compiled = (new () => GenServer) & { start(arg?: unknown): Promise<lib.ServerRef> };
    function defineStandard(source: string): Record<string, Compiled> {
      const js = ts.transpileModule(source, {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, experimentalDecorators: false },
      }).outputText;
      const exported: Record<string, Compiled> = {};
      new Function('lib', 'exports', js)(lib, exported);
      return exported;
    }

    const prelude = 'const { GenServer, init, handleCall, handleCast, reply, noreply, singleton } = lib;\n';

    it('routes calls and casts, inherits and overrides, from the same import', async () => {
      const { Base, Child } = defineStandard(`${prelude}
        class Base extends GenServer {
          @init setup(n) { return n * 2; }
          @handleCall('get') get(_, s) { return reply(s, s); }
          @handleCast add(n, s) { return noreply(s + n); }
        }
        class Child extends Base {
          @handleCall('get') tenfold(_, s) { return reply(s * 10, s); }
        }
        exports.Base = Base; exports.Child = Child;`);
      const base = track(await Base.start(1));
      const child = track(await Child.start(1));
      GenServer.cast(base, 'add', 1);
      GenServer.cast(child, 'add', 1);
      expect(await GenServer.call(base, 'get')).to.equal(3);
      expect(await GenServer.call(child, 'get')).to.equal(30);
      await GenServer.stop(base);
      await GenServer.stop(child);
    });

    it('registers a @singleton class under itself', async () => {
      const { Solo } = defineStandard(`${prelude}
        @singleton class Solo extends GenServer { @handleCall('get') get(_, s) { return reply(s, s); } }
        exports.Solo = Solo;`);
      const ref = track(await Solo.start(7));
      expect(GenServer.whereis(Solo)).to.equal(ref);
      expect(await GenServer.call(Solo, 'get')).to.equal(7);
      await GenServer.stop(ref);
    });

    it('throws DecoratorError for two handlers of one tag, or for a decorator on a field', () => {
      expect(() =>
        defineStandard(`${prelude}
        class Twice extends GenServer { @handleCall('get') a() {} @handleCall('get') b() {} }`),
      ).to.throw(DecoratorError);
      expect(() =>
        defineStandard(`${prelude}
        class OnField extends GenServer { @handleCall('x') x = 1; }`),
      ).to.throw(DecoratorError);
    });
  });
});
