// Compile-FAIL fixtures: each mistake below is an error, and spec/type_diagnostics.spec.ts (TS 6,
// compiler API) and .ci/typescript7 (TS 7, its tsc) check the *text* each compiler reports for it,
// in both decorator standards. Excluded from the project's tsconfig; compiled by ./tsconfig*.json.
//
// Above each mistake, `// expect:` lines give whole lines the message must contain, in order: lines
// both compilers print alike, with `…` for any text (compilers may order a union's members
// differently). When the decorator has overloads, they must be in the part of the message about
// the *last* overload: TypeScript 7 prints only that one, so a mismatch named elsewhere would not
// reach its users.
import { GenServer, handleCall, handleCast, handleInfo, init, noreply, reply } from '../../../lib';

type CounterProtocol = {
  init: number;
  calls: { add: [payload: number, reply: number]; get: [payload: void, reply: number] };
  casts: { reset: void; set: number };
  infos: { tick: void };
};

export class Counter extends GenServer<number, CounterProtocol> {
  // mistake: a call payload of the wrong type
  // expect: Types of parameters 'n' and 'payload' are incompatible.
  // expect: Type 'number' is not assignable to type 'string'.
  @handleCall('add') add(n: string, sum: number) {
    return reply(sum + n.length, sum);
  }

  // mistake: a state parameter of the wrong type
  // expect: Types of parameters 'sum' and 'state' are incompatible.
  // expect: Type 'number' is not assignable to type 'string'.
  @handleCall('get') get(_: void, sum: string) {
    return reply(sum.length, sum.length);
  }

  // mistake: a reply of the wrong type
  // expect: Type 'Reply<string, number, never>' is not assignable to type 'Reply<number, number, ContinueValue>'.
  // expect: Type 'string' is not assignable to type 'number'.
  @handleCall('get') label(_: void, sum: number) {
    return reply(`${sum}`, sum);
  }

  // mistake: a new state of the wrong type
  // expect: Type 'NoReply<"zero", never>' is not assignable to type 'NoReply<number, ContinueValue>'.
  // expect: Type 'string' is not assignable to type 'number'.
  @handleCast('reset') reset() {
    return noreply('zero');
  }

  // mistake: reply() from a cast handler
  // expect: Type 'Reply<number, number, never>' is not assignable to type 'Awaitable<ReturnWithoutReply<number, ContinueValue>>'.
  @handleCast('set') set(n: number, sum: number) {
    return reply(n, sum);
  }

  // mistake: a call tag the protocol does not declare
  // expect: Type '(n: number, sum: number) => Reply<number, number, never>' is not assignable to type '{ 'error: not a call of this server': "ad"; 'calls it accepts': "add" | "get"; }'.
  @handleCall('ad') ad(n: number, sum: number) {
    return reply(sum + n, sum + n);
  }
}

/** A bare decorator: the method's name is the tag. */
export class Bare extends GenServer<number, CounterProtocol> {
  // mistake: a bare cast handler whose payload does not fit its tag
  // expect: Types of parameters 'n' and 'payload' are incompatible.
  // expect: Type 'number' is not assignable to type 'boolean'.
  @handleCast set(n: boolean, sum: number) {
    return noreply(n ? sum : 0);
  }
}

export class WrongInit extends GenServer<number, CounterProtocol> {
  // mistake: init returning a state of the wrong type
  // expect: Type 'string' is not assignable to type 'Awaitable<…number…>'.
  @init setup(start: number) {
    return `${start}`;
  }
}

/** No protocol, a declared State: returns are checked all the same. */
export class Stack extends GenServer<string[]> {
  // mistake: a call handler returning a plain value instead of reply(value, state)
  // expect: Type 'number' is not assignable to type 'Awaitable<CallReturn<unknown, string[], ContinueValue>>'.
  @handleCall('size') size(_: void, items: string[]) {
    return items.length;
  }

  // mistake: a cast handler returning nothing
  // expect: Type 'void' is not assignable to type 'Awaitable<ReturnWithoutReply<string[], ContinueValue>>'.
  @handleCast('push') push(item: string, items: string[]) {
    items.push(item);
  }

  // mistake: reply() from an info handler
  // expect: Type 'Reply<number, string[], never>' is not assignable to type 'Awaitable<ReturnWithoutReply<string[], ContinueValue>>'.
  @handleInfo('tick') tick(_: void, items: string[]) {
    return reply(items.length, items);
  }
}
