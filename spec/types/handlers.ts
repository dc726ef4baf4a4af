// Type tests of the server side: a decorated handler must fit the shape its class's protocol
// derives for its tag — payload, state, `from`, and what it returns. Compile-only (see
// expect_type.ts); the checks hold in both decorator standards (`npm run typecheck` compiles this
// file with experimentalDecorators and with TC39 decorators). A decorator and its method share a
// line so that each `@ts-expect-error` covers exactly one decorator.
import {
  GenServer,
  handleCall,
  handleCast,
  handleContinue,
  handleInfo,
  ignore,
  init,
  noreply,
  reply,
  stop,
  terminate,
  type DownMessage,
  type ExitMessage,
  type From,
} from '../../lib';
import type { CounterProtocol, Phase } from './fixtures';

// ---- positive: every way a handler may rightly be written ---------------------------------------

export class Valid extends GenServer<number, CounterProtocol> {
  // init: the start argument in, the state (or noreply with options) out; may be async.
  @init async setup(start: number) {
    return start > 0 ? noreply(start, { continue: 'warm' }) : start;
  }
  // A wider payload or state type than the protocol's is fine (the handler accepts more).
  @handleCall('add') add(n: number | bigint, state: unknown) {
    return reply(Number(n) + 1, Number(state));
  }
  // Fewer parameters than (payload, state, from) are fine.
  @handleCall('get') get() {
    return reply(0, 0);
  }
  // Async handlers resolve to their return value.
  @handleCall('label') async label(p: { prefix: string }, state: number) {
    return reply(p.prefix, state);
  }
  // A deferred reply: noreply now, GenServer.reply(from, value) later, typed by From<number>.
  @handleCall('later') later(_: void, state: number, from: From<number>) {
    GenServer.reply(from, state);
    return noreply(state);
  }
  // stop with a reply of the call's type, or without one.
  @handleCast('reset') reset(_: void, state: number) {
    return state > 9 ? stop('normal', state) : noreply(0);
  }
  @handleCast('set') set(n: number) {
    return noreply(n);
  }
  @handleInfo('tick') tick(_: void, state: number) {
    return noreply(state + 1);
  }
  @handleInfo('note') note(text: string, state: number) {
    return noreply(state + text.length);
  }
  // The runtime's own infos, with their payload types.
  @handleInfo('EXIT') exit(message: ExitMessage, state: number) {
    return stop(message.reason, state);
  }
  @handleInfo('DOWN') down(message: DownMessage, state: number) {
    return noreply(message.ref === undefined ? state : 0);
  }
  @handleInfo('timeout') idle(_: void, state: number) {
    return noreply(state);
  }
  @handleContinue('warm') warm(_: unknown, state: number) {
    return noreply(state);
  }
  @terminate async cleanup(_reason: unknown, _state: number) {}
}

/** Bare decorators take the method's name as the tag. */
export class ValidBare extends GenServer<number, CounterProtocol> {
  @handleCall add(n: number, state: number) {
    return reply(state + n, state + n);
  }
  @handleCall get(_: void, state: number) {
    return reply(state, state);
  }
  @handleCast reset() {
    return noreply(0);
  }
  @handleInfo tick(_: void, state: number) {
    return noreply(state);
  }
  @init setup(n: number) {
    return n;
  }
}

/** A call may stop the server and still answer, with a value of its reply type. */
export class ValidStops extends GenServer<number, { calls: { quit: [void, string] } }> {
  @init setup() {
    return 0;
  }
  @handleCall('quit') quit(_: void, state: number) {
    return stop('normal', state, 'bye');
  }
}

/** init may refuse to start. */
export class ValidIgnore extends GenServer<number, { init: boolean }> {
  @init setup(go: boolean) {
    return go ? 1 : ignore();
  }
}

/** A literal-union state: returned literals fit it without `as const`. */
export class ValidLiterals extends GenServer<Phase, { casts: { go: void; rest: void } }> {
  @handleCast('go') go() {
    return noreply('busy');
  }
  @handleCast('rest') rest(_: void, phase: Phase) {
    return phase === 'busy' ? noreply('idle') : stop('normal', phase);
  }
}

/** A server that declares nothing: any payload type, any tag, any state and reply in its returns. */
export class ValidUntyped extends GenServer {
  @handleCall('whatever') whatever(payload: { deep: string[] }, state: unknown, from: object) {
    return reply([payload, from], state);
  }
  @handleCast('anything') anything(payload: unknown) {
    return noreply(payload);
  }
  @handleInfo quiet() {
    return stop('normal', null);
  }
  @init setup(arg: Map<string, number>) {
    return arg;
  }
  @terminate cleanup() {}
}

/** A server that declares its State and no protocol: tags and payloads free, returns checked. */
export class ValidStateOnly extends GenServer<number> {
  @init setup(start: number) {
    return start;
  }
  @handleCall('add') add(n: number, state: number) {
    return reply(`any reply: ${n}`, state + n);
  }
  @handleCall('defer') defer(_: void, state: number, from: From) {
    GenServer.reply(from, 'later');
    return noreply(state);
  }
  @handleCall('quit') async quit(_: void, state: number) {
    return stop('normal', state, { bye: true });
  }
  @handleCast reset() {
    return noreply(0);
  }
  @handleCast('halt') halt(_: void, state: number) {
    return stop('normal', state);
  }
  @handleInfo('tick') async tick(_: void, state: number) {
    return noreply(state + 1);
  }
  @handleContinue('warm') warm(_: unknown, state: number) {
    return noreply(state);
  }
  @terminate cleanup(_reason: unknown, _state: number) {
    return 'ignored';
  }
}

// ---- negative: each line below fails to compile ---------------------------------------------------

export class WrongTags extends GenServer<number, CounterProtocol> {
  // @ts-expect-error a call tag the protocol does not declare (the error lists the declared ones)
  @handleCall('ad') ad(n: number, s: number) {
    return reply(s + n, s + n);
  }
  // @ts-expect-error a cast tag used for a call handler
  @handleCall('reset') reset(_: void, s: number) {
    return reply(0, s);
  }
  // @ts-expect-error a call tag used for a cast handler
  @handleCast('add') add(_: number, s: number) {
    return noreply(s);
  }
  // @ts-expect-error an info tag the protocol does not declare
  @handleInfo('tock') tock(_: void, s: number) {
    return noreply(s);
  }
  // @ts-expect-error a bare decorator on a method whose name is no call tag
  @handleCall whoami(_: void, s: number) {
    return reply(0, s);
  }
}

export class WrongPayloads extends GenServer<number, CounterProtocol> {
  // @ts-expect-error a call payload of the wrong type
  @handleCall('add') add(n: string, s: number) {
    return reply(s + n.length, s);
  }
  // @ts-expect-error a payload parameter where the protocol says void: the state was meant
  @handleCall('get') get(state: number) {
    return reply(state, state);
  }
  // @ts-expect-error an object payload of the wrong shape
  @handleCall('label') label(p: { suffix: string }, s: number) {
    return reply(p.suffix, s);
  }
  // @ts-expect-error a cast payload of the wrong type
  @handleCast('set') set(n: string, s: number) {
    return noreply(s + n.length);
  }
  // @ts-expect-error an info payload of the wrong type
  @handleInfo('note') note(n: number, s: number) {
    return noreply(s + n);
  }
  // @ts-expect-error the EXIT payload is an ExitMessage
  @handleInfo('EXIT') exit(reason: string, s: number) {
    return stop(reason, s);
  }
}

export class WrongBare extends GenServer<number, CounterProtocol> {
  // @ts-expect-error a bare cast handler whose payload does not fit its tag ('set' takes a number)
  @handleCast set(n: boolean, s: number) {
    return noreply(n ? s : 0);
  }
  // @ts-expect-error a bare call handler whose reply does not fit its tag ('get' replies a number)
  @handleCall get(_: void, s: number) {
    return reply('zero', s);
  }
}

export class WrongStates extends GenServer<number, CounterProtocol> {
  // @ts-expect-error a state parameter of the wrong type
  @handleCall('get') get(_: void, s: string) {
    return reply(s.length, s.length);
  }
  // @ts-expect-error a new state of the wrong type in reply()
  @handleCall('add') add(n: number, s: number) {
    return reply(s + n, `${s}`);
  }
  // @ts-expect-error a new state of the wrong type in noreply()
  @handleCast('reset') reset() {
    return noreply('zero');
  }
  // @ts-expect-error a new state of the wrong type in stop()
  @handleInfo('tick') tick() {
    return stop('normal', 'done');
  }
  // @ts-expect-error terminate's state parameter of the wrong type
  @terminate cleanup(_reason: unknown, s: string[]) {
    s.length = 0;
  }
  // @ts-expect-error a continue handler's state of the wrong type
  @handleContinue('warm') warm(_: unknown, s: string) {
    return noreply(s.length);
  }
}

export class WrongReplies extends GenServer<number, CounterProtocol> {
  // @ts-expect-error a reply of the wrong type
  @handleCall('add') add(n: number, s: number) {
    return reply(`${s + n}`, s + n);
  }
  // @ts-expect-error an async handler resolving to a reply of the wrong type
  @handleCall('get') async get(_: void, s: number) {
    return reply(true, s);
  }
  // @ts-expect-error a plain value instead of reply(value, state)
  @handleCall('label') label(_: { prefix: string }, s: number) {
    return s;
  }
  // @ts-expect-error stop() answering the call with a value of the wrong type
  @handleCall('later') later(_: void, s: number) {
    return stop('normal', s, 'bye');
  }
  // @ts-expect-error a `from` typed for another reply type
  @handleCall('add') add2(n: number, s: number, from: From<string>) {
    GenServer.reply(from, `${n}`);
    return noreply(s);
  }
}

export class RepliesFromNonCalls extends GenServer<number, CounterProtocol> {
  // @ts-expect-error reply() from a cast handler
  @handleCast('reset') reset(_: void, s: number) {
    return reply(0, s);
  }
  // @ts-expect-error reply() from an info handler
  @handleInfo('tick') tick(_: void, s: number) {
    return reply(s, s);
  }
  // @ts-expect-error reply() from a continue handler
  @handleContinue('warm') warm(_: unknown, s: number) {
    return reply(s, s);
  }
  // @ts-expect-error stop() with a reply from a cast: nobody would receive it
  @handleCast('set') set(n: number, s: number) {
    return stop('normal', s, n);
  }
  // @ts-expect-error an async info handler resolving to reply()
  @handleInfo('note') async note(_: string, s: number) {
    return reply(s, s);
  }
}

export class WrongInit extends GenServer<number, CounterProtocol> {
  // @ts-expect-error init's argument must take the protocol's init type
  @init setup(start: string) {
    return start.length;
  }
}

export class WrongInitState extends GenServer<number, CounterProtocol> {
  // @ts-expect-error init returning a state of the wrong type
  @init setup(start: number) {
    return `${start}`;
  }
}

export class WrongInitReturn extends GenServer<number, CounterProtocol> {
  // @ts-expect-error init may not reply()
  @init setup(start: number) {
    return reply(start, start);
  }
}

export class WrongLiteral extends GenServer<Phase, { casts: { go: void } }> {
  // @ts-expect-error a literal that is not one of the state's
  @handleCast('go') go() {
    return noreply('sleeping');
  }
}

/** A server that declares its state only: the state is still checked. */
export class WrongStateOnly extends GenServer<string[]> {
  // @ts-expect-error the state parameter must take the declared State
  @handleCall('count') count(_: void, items: number) {
    return reply(items, items);
  }
}

/** A protocol without `init` leaves init's argument unchecked; its returned state still is. */
export class InitUndeclared extends GenServer<number, { calls: { get: [void, number] } }> {
  @init setup(start: { from: number }) {
    return start.from;
  }
}

export class InitUndeclaredWrongState extends GenServer<number, { calls: { get: [void, number] } }> {
  // @ts-expect-error init returning a state of the wrong type, even with no `init` declared
  @init setup(start: { from: number }) {
    return noreply(`${start.from}`);
  }
}

// ---- no protocol: the returns are still checked --------------------------------------------------

export class StateOnlyWrongReturns extends GenServer<number> {
  // @ts-expect-error a call handler returning a plain value instead of reply(value, state)
  @handleCall('get') get(_: void, state: number) {
    return state;
  }
  // @ts-expect-error a call handler returning nothing
  @handleCall('poke') poke(_: void, state: number) {
    void state;
  }
  // @ts-expect-error an async call handler resolving to a plain value
  @handleCall('load') async load(_: void, state: number) {
    return state * 2;
  }
  // @ts-expect-error reply() from a cast handler
  @handleCast('reset') reset(_: void, state: number) {
    return reply(0, state);
  }
  // @ts-expect-error a cast handler returning nothing
  @handleCast('log') log(line: string) {
    console.log(line);
  }
  // @ts-expect-error an info handler returning a plain value
  @handleInfo('tick') tick(_: void, state: number) {
    return state + 1;
  }
  // @ts-expect-error reply() from an info handler
  @handleInfo('note') note(_: string, state: number) {
    return reply(state, state);
  }
  // @ts-expect-error stop() with a reply from a cast: nobody would receive it
  @handleCast('quit') quit(_: void, state: number) {
    return stop('normal', state, 'bye');
  }
  // @ts-expect-error a continue handler returning nothing
  @handleContinue('warm') warm() {}
  // @ts-expect-error a bare cast handler returning a plain value
  @handleCast clear() {
    return 0;
  }
}

export class StateOnlyWrongStates extends GenServer<number> {
  // @ts-expect-error a new state of the wrong type in reply()
  @handleCall('get') get(_: void, state: number) {
    return reply(state, `${state}`);
  }
  // @ts-expect-error a new state of the wrong type in noreply()
  @handleCast('reset') reset() {
    return noreply('zero');
  }
  // @ts-expect-error a new state of the wrong type in stop()
  @handleInfo('tick') tick() {
    return stop('normal', [0]);
  }
  // @ts-expect-error a state parameter of the wrong type
  @handleCast('set') set(n: number, state: string) {
    return noreply(n + state.length);
  }
}

export class StateOnlyWrongInit extends GenServer<number> {
  // @ts-expect-error init returning a state of the wrong type
  @init setup(start: string) {
    return start;
  }
}

export class StateOnlyInitReturnsNothing extends GenServer<number> {
  // @ts-expect-error init returning nothing where the state is a number
  @init setup(start: number) {
    void start;
  }
}

/** init may return noreply with options, or a promise of it. */
export class ValidStateOnlyInit extends GenServer<number> {
  @init async setup(start: string) {
    return noreply(start.length, { timeout: 100, continue: 'warm' });
  }
}

/** A server that declares nothing: any state, any reply, but still a reply/noreply/stop. */
export class UntypedWrongReturns extends GenServer {
  // @ts-expect-error a call handler returning a plain value
  @handleCall('get') get(_: unknown, state: unknown) {
    return state;
  }
  // @ts-expect-error reply() from a cast handler
  @handleCast('reset') reset(_: unknown, state: unknown) {
    return reply(0, state);
  }
  // @ts-expect-error an info handler returning nothing
  @handleInfo('tick') tick() {}
}
