// Type tests of typed continues: a protocol's `continues` part types `@handleContinue(tag)` and
// every `{ continue: tag }` / `{ continue: [tag, payload] }` return option of that server.
// Compile-only (see expect_type.ts); both decorator standards. A decorator and its method share a
// line so that each `@ts-expect-error` covers exactly one decorator.
import {
  GenServer,
  handleCall,
  handleCast,
  handleContinue,
  handleInfo,
  init,
  noreply,
  reply,
  stop,
  type NoReply,
  type Reply,
  type ReturnOptions,
} from '../../lib';
import { expectType } from './expect_type';

/** Loads its items after init, in a continue; `warm` takes no payload, `retry` may take one. */
export type LoaderProtocol = {
  init: string;
  calls: { get: [payload: void, reply: string[]]; reload: [payload: string, reply: number] };
  casts: { refresh: void };
  infos: { poll: void };
  continues: { load: string; warm: void; retry: number | undefined };
};

// ---- positive: every way a continue may rightly be declared, handled and returned --------------

export class Loader extends GenServer<string[], LoaderProtocol> {
  // init passes a payload to its continue.
  @init setup(id: string) {
    return noreply([] as string[], { continue: ['load', id] });
  }
  // An async continue handler with the declared payload, chaining to a payload-less continue by tag.
  @handleContinue('load') async load(id: string, items: string[]) {
    return noreply([...items, id], { continue: 'warm' });
  }
  @handleContinue('warm') warm(_: void, items: string[]) {
    return noreply(items, { timeout: 1000 });
  }
  // A payload that may be undefined: the tag alone, or [tag, payload]; stop is fine too.
  @handleContinue('retry') retry(n: number | undefined, items: string[]) {
    return n ? noreply(items, { continue: ['retry', n - 1] }) : stop('gave up', items);
  }
  // Calls, casts and infos return continue options too; options without `continue` are always fine.
  @handleCall('get') get(_: void, items: string[]) {
    return reply(items, items, { timeout: 100 });
  }
  @handleCall('reload') reload(id: string, items: string[]) {
    return reply(items.length, [] as string[], { continue: ['load', id] });
  }
  @handleCast('refresh') refresh(_: void, items: string[]) {
    return noreply(items, { continue: 'retry' });
  }
  @handleInfo('poll') async poll(_: void, items: string[]) {
    return noreply(items, { continue: ['retry', undefined] });
  }
}

/** Annotated return types name the continue they may give (`never`: none). */
export class LoaderAnnotated extends GenServer<string[], LoaderProtocol> {
  @handleCast('refresh') refresh(_: void, items: string[]): NoReply<string[], never> {
    return noreply(items);
  }
  @handleInfo('poll') async poll(_: void, items: string[]): Promise<NoReply<string[], 'warm'>> {
    return noreply(items, { continue: 'warm' });
  }
}

/** A bare `@handleContinue` takes the method's name as the tag. */
export class LoaderBare extends GenServer<string[], LoaderProtocol> {
  @handleContinue load(id: string, items: string[]) {
    return noreply([...items, id]);
  }
  @handleContinue warm() {
    return noreply([] as string[]);
  }
}

/** A typed server that declares no `continues`: any tag, payloads unchecked (as before). */
export class NoContinues extends GenServer<number, { casts: { go: number } }> {
  @handleCast('go') go(n: number, s: number) {
    return noreply(s, { continue: ['anything', { n }] });
  }
  @handleContinue('anything') anything(p: { n: number }, s: number) {
    return noreply(s + p.n, { continue: 'more' });
  }
  @handleContinue('more') more(_: unknown, s: number) {
    return noreply(s);
  }
}

/** An untyped server: continues are unchecked, and so are its returns. */
export class UntypedContinues extends GenServer<number> {
  @init setup() {
    return noreply(0, { continue: 'x' });
  }
  @handleContinue('x') x(payload: string[], s: number) {
    return noreply(s + payload.length, { continue: ['y', 1] });
  }
}

export function returnValues(next: ReturnOptions['continue'], s: number): void {
  // The brand records the continue option; an annotated NoReply<S> still takes any of them.
  expectType<NoReply<number, never>>()(noreply(s));
  expectType<NoReply<number, 'warm'>>()(noreply(s, { continue: 'warm' }));
  expectType<NoReply<number, readonly ['load', 'a']>>()(noreply(s, { continue: ['load', 'a'] }));
  expectType<Reply<'ok', number, readonly ['retry', 3]>>()(reply('ok', s, { continue: ['retry', 3] }));
  const annotated: NoReply<number> = noreply(s, { continue: ['anything', new Date()] });
  void annotated;
  // ReturnOptions without a type argument is what it was.
  expectType<string | readonly [string, unknown] | undefined>()(next);
  const unchecked: NoReply<number> = noreply(s, { continue: next });
  void unchecked;
}

// ---- negative: each line below fails to compile ---------------------------------------------------

export class WrongContinueHandlers extends GenServer<string[], LoaderProtocol> {
  // @ts-expect-error a continue tag the protocol does not declare (the error lists the declared ones)
  @handleContinue('lod') lod(id: string, items: string[]) {
    return noreply([...items, id]);
  }
  // @ts-expect-error a continue payload of the wrong type ('load' takes a string)
  @handleContinue('load') load(id: number, items: string[]) {
    return noreply([...items, `${id}`]);
  }
  // @ts-expect-error a continue handler's state of the wrong type
  @handleContinue('warm') warm(_: void, items: number) {
    return noreply([`${items}`]);
  }
  // @ts-expect-error a bare continue handler whose name is no declared continue
  @handleContinue reload(_: void, items: string[]) {
    return noreply(items);
  }
  // @ts-expect-error reply() from a continue handler
  @handleContinue('retry') retry(_: number | undefined, items: string[]) {
    return reply(items.length, items);
  }
}

export class WrongContinueOptions extends GenServer<string[], LoaderProtocol> {
  // @ts-expect-error a `continue` option naming an undeclared continue, from a cast
  @handleCast('refresh') refresh(_: void, items: string[]) {
    return noreply(items, { continue: 'reload' });
  }
  // @ts-expect-error a tag alone where the continue needs a payload ('load' takes a string)
  @handleInfo('poll') poll(_: void, items: string[]) {
    return noreply(items, { continue: 'load' });
  }
  // @ts-expect-error a continue payload of the wrong type, from a call's reply()
  @handleCall('reload') reload(id: string, items: string[]) {
    return reply(items.length, items, { continue: ['load', id.length] });
  }
  // @ts-expect-error a payload given to a continue that takes none ('warm' is void)
  @handleCall('get') get(_: void, items: string[]) {
    return reply(items, items, { continue: ['warm', 1] });
  }
  // @ts-expect-error a continue handler chaining to an undeclared continue, asynchronously
  @handleContinue('warm') async warm(_: void, items: string[]) {
    return noreply(items, { continue: 'cool' });
  }
  // @ts-expect-error an unchecked `continue` (any string) on a server that declares its continues
  @handleContinue('load') load(id: string, items: string[]) {
    return noreply(items, { continue: id });
  }
}

export class WrongAnnotation extends GenServer<string[], LoaderProtocol> {
  // @ts-expect-error `NoReply<S>` means "any continue", which a server that declares its continues refuses
  @handleCast('refresh') refresh(_: void, items: string[]): NoReply<string[]> {
    return noreply(items);
  }
}

export class WrongInitContinue extends GenServer<string[], LoaderProtocol> {
  // @ts-expect-error init's `continue` option naming an undeclared continue
  @init setup(id: string) {
    return noreply([id], { continue: 'start' });
  }
}

export class WrongInitContinuePayload extends GenServer<string[], LoaderProtocol> {
  // @ts-expect-error init's `continue` payload of the wrong type
  @init setup(id: string) {
    return noreply([id], { continue: ['retry', id] });
  }
}

/** `continues: {}` declares that there are none: every continue is refused. */
export class NoneDeclared extends GenServer<number, { casts: { go: void }; continues: {} }> {
  // @ts-expect-error a continue on a server that declares an empty `continues`
  @handleCast('go') go(_: void, s: number) {
    return noreply(s, { continue: 'go' });
  }
}
