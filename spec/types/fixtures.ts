// Servers for the type tests: a typed one, its singleton and subclass, a typed one with an
// object state, a state-only one and an untyped one. Compiled, never started.
import { GenServer, handleCall, handleCast, handleInfo, init, noreply, reply, singleton, stop, terminate, type From } from '../../lib';

/** The protocol of `Counter`: one declaration from which every check below is derived. */
export type CounterProtocol = {
  init: number;
  calls: {
    add: [payload: number, reply: number];
    get: [payload: void, reply: number];
    label: [payload: { prefix: string }, reply: string];
    later: [payload: void, reply: number];
  };
  casts: { reset: void; set: number };
  infos: { tick: void; note: string };
};

export class Counter extends GenServer<number, CounterProtocol> {
  @init
  setup(start: number) {
    return start;
  }

  @handleCall('add')
  add(n: number, state: number) {
    return reply(state + n, state + n);
  }

  @handleCall('get')
  get(_: void, state: number) {
    return reply(state, state);
  }

  @handleCall('label')
  async label({ prefix }: { prefix: string }, state: number) {
    return reply(`${prefix}${state}`, state);
  }

  @handleCall('later')
  later(_: void, state: number, from: From<number>) {
    setTimeout(() => GenServer.reply(from, state), 1);
    return noreply(state);
  }

  @handleCast('reset')
  reset(_: void, _state: number) {
    return noreply(0);
  }

  @handleCast('set')
  set(n: number, _state: number) {
    return n < 0 ? stop('negative', 0) : noreply(n);
  }

  @handleInfo('tick')
  tick(_: void, state: number) {
    this.sendAfter('note', 'ticked', 10);
    GenServer.cast(this.self, 'reset');
    return noreply(state + 1);
  }

  @handleInfo('note')
  note(_text: string, state: number) {
    return noreply(state);
  }

  @handleInfo('EXIT')
  exit({ reason }: { reason: unknown }, state: number) {
    return stop(reason, state);
  }

  @terminate
  cleanup(_reason: unknown, _state: number) {}
}

/** The same protocol, registered under its class. */
@singleton
export class CounterSingleton extends Counter {}

/** A subclass inherits the protocol and may override a handler. */
export class LoudCounter extends Counter {
  @handleCall('add')
  override add(n: number, state: number) {
    return reply(state + n * 10, state + n * 10);
  }
}

/** A literal-union state and an object reply, to show literals fit without `as const`. */
export type Phase = 'idle' | 'busy';
export class Machine extends GenServer<Phase, { calls: { start: [void, { was: Phase }] }; casts: { rest: void } }> {
  @init
  setup() {
    return 'idle' as Phase;
  }

  @handleCall('start')
  start(_: void, phase: Phase) {
    return reply({ was: phase }, 'busy');
  }

  @handleCast('rest')
  rest(_: void, _phase: Phase) {
    return noreply('idle');
  }
}

/** Declares its state only: handlers' state is checked, tags and payloads are not. */
export class StateOnly extends GenServer<string[]> {
  @handleCall('push')
  push(item: string, items: string[]) {
    return reply(items.length + 1, [...items, item]);
  }
}

/** A state that may be undefined: `undefined` stays part of the state type (init may return it). */
export class MaybeCount extends GenServer<number | undefined> {
  @init
  setup(start?: number) {
    return start;
  }

  @handleCast('clear')
  clear() {
    return noreply(undefined);
  }
}

/** Declares nothing: every tag is accepted, payloads and replies are `unknown`. */
export class Untyped extends GenServer {
  @handleCall('anything')
  anything(payload: string, state: unknown) {
    return reply(payload, state);
  }

  @handleCast
  poke(_: number, state: unknown) {
    return noreply(state);
  }
}
