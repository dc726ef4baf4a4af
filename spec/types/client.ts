// Type tests of the client side: GenServer.call/cast/send/reply, start, whereis, refs, :sys.
// Compile-only (see expect_type.ts). Each `@ts-expect-error` names the mistake it stands for.
import { GenServer, type From, type ServerRef } from '../../lib';
import { expectType } from './expect_type';
import { Counter, CounterSingleton, LoudCounter, type Machine, type MaybeCount, type StateOnly, Untyped, type Phase } from './fixtures';

export async function typedCalls(ref: ServerRef<Counter>): Promise<void> {
  // ---- positive: the reply type is inferred from the protocol ----------------------------------
  expectType<Promise<number>>()(GenServer.call(ref, 'add', 10));
  expectType<Promise<number>>()(GenServer.call(ref, 'add', 10, 250));
  expectType<Promise<number>>()(GenServer.call(ref, 'add', 10, Infinity));
  expectType<Promise<number>>()(GenServer.call(ref, 'get'));
  expectType<Promise<number>>()(GenServer.call(ref, 'get', undefined, 100));
  expectType<Promise<string>>()(GenServer.call(ref, 'label', { prefix: '#' }));
  const sum: number = await GenServer.call(ref, 'add', 1);
  void sum;

  // ---- negative ---------------------------------------------------------------------------------
  // @ts-expect-error a typo'd tag (the error lists "add" | "get" | "label" | "later")
  void GenServer.call(ref, 'ad', 10);
  // @ts-expect-error a cast-only tag sent as a call
  void GenServer.call(ref, 'reset');
  // @ts-expect-error an info tag sent as a call
  void GenServer.call(ref, 'tick');
  // @ts-expect-error a payload of the wrong type
  void GenServer.call(ref, 'add', '10');
  // @ts-expect-error a required payload left out
  void GenServer.call(ref, 'add');
  // @ts-expect-error an object payload missing its field
  void GenServer.call(ref, 'label', {});
  // @ts-expect-error a payload where the protocol says void
  void GenServer.call(ref, 'get', 5);
  // @ts-expect-error a timeout that is not a number
  void GenServer.call(ref, 'add', 1, '250');
  // @ts-expect-error the reply used as the wrong type
  const wrong: string = await GenServer.call(ref, 'add', 1);
  void wrong;
  // @ts-expect-error the reply is a number, not an object
  void (await GenServer.call(ref, 'get')).toUpperCase();
}

export function typedCastsAndSends(ref: ServerRef<Counter>): void {
  // ---- positive ---------------------------------------------------------------------------------
  expectType<void>()(GenServer.cast(ref, 'reset'));
  GenServer.cast(ref, 'set', 3);
  GenServer.send(ref, 'tick');
  GenServer.send(ref, 'note', 'hello');

  // ---- negative ---------------------------------------------------------------------------------
  // @ts-expect-error a call-only tag sent as a cast
  GenServer.cast(ref, 'add', 1);
  // @ts-expect-error a typo'd cast tag
  GenServer.cast(ref, 'rest');
  // @ts-expect-error a cast payload of the wrong type
  GenServer.cast(ref, 'set', 'three');
  // @ts-expect-error a required cast payload left out
  GenServer.cast(ref, 'set');
  // @ts-expect-error a call-only tag sent as an info
  GenServer.send(ref, 'get');
  // @ts-expect-error a cast-only tag sent as an info
  GenServer.send(ref, 'reset');
  // @ts-expect-error an info payload of the wrong type
  GenServer.send(ref, 'note', 42);
  // @ts-expect-error a required info payload left out
  GenServer.send(ref, 'note');
}

export async function refsCarryTheirServer(): Promise<void> {
  // ---- positive: start, the class itself, whereis ------------------------------------------------
  const ref = await Counter.start(1);
  expectType<ServerRef<Counter>>()(ref);
  expectType<ServerRef<Counter>>()(await Counter.startLink(1, { name: 'counter' }));
  expectType<ServerRef<CounterSingleton>>()(await CounterSingleton.start(0));
  expectType<Promise<number>>()(GenServer.call(CounterSingleton, 'add', 1));
  GenServer.cast(CounterSingleton, 'reset');
  expectType<ServerRef<CounterSingleton> | undefined>()(GenServer.whereis(CounterSingleton));
  expectType<ServerRef<Counter> | undefined>()(GenServer.whereis<Counter>('counter'));
  expectType<ServerRef<unknown> | undefined>()(GenServer.whereis('counter'));
  const found = GenServer.whereis(CounterSingleton);
  if (found !== undefined) expectType<Promise<number>>()(GenServer.call(found, 'get'));
  // A subclass keeps its parent's protocol.
  expectType<Promise<number>>()(GenServer.call(await LoudCounter.start(2), 'add', 1));
  // A typed ref is still a ref for everything that takes any server.
  const anyRef: ServerRef = ref;
  void anyRef;
  expectType<boolean>()(GenServer.isAlive(ref));
  await GenServer.stop(ref, 'shutdown', 1000);

  // ---- negative ---------------------------------------------------------------------------------
  // @ts-expect-error the class used as a name checks tags like a ref
  void GenServer.call(CounterSingleton, 'nope');
  // @ts-expect-error start takes the protocol's init type
  void Counter.start('one');
  // @ts-expect-error start's init argument is required when init is not optional
  void Counter.start();
  // @ts-expect-error a Counter ref is not a ref of another kind of server
  const other: ServerRef<Machine> = ref;
  void other;
  const loose: ServerRef | undefined = GenServer.whereis('counter');
  // @ts-expect-error an untyped ref (found by a string name) is not a Counter's until you say so
  const guessed: ServerRef<Counter> | undefined = loose;
  void guessed;
}

export function deferredReplies(from: From<number>, untypedFrom: From): void {
  // ---- positive ---------------------------------------------------------------------------------
  GenServer.reply(from, 1);
  GenServer.reply(untypedFrom, 'anything');
  // ---- negative ---------------------------------------------------------------------------------
  // @ts-expect-error a deferred reply of the wrong type
  GenServer.reply(from, 'one');
}

export async function introspection(ref: ServerRef<Counter>, machine: ServerRef<Machine>, loose: ServerRef): Promise<void> {
  // ---- positive ---------------------------------------------------------------------------------
  expectType<Promise<number>>()(GenServer.getState(ref));
  expectType<Promise<Phase>>()(GenServer.getState(machine));
  expectType<Promise<unknown>>()(GenServer.getState(loose));
  expectType<Promise<number>>()(GenServer.replaceState(ref, (n) => n + 1));
  expectType<Promise<string>>()(GenServer.replaceState(loose, (s: string) => s.trim()));
  // ---- negative ---------------------------------------------------------------------------------
  // A state type that includes undefined keeps it.
  expectType<Promise<number | undefined>>()(GenServer.getState(null as unknown as ServerRef<MaybeCount>));
  expectType<Promise<number | undefined>>()(GenServer.replaceState(null as unknown as ServerRef<MaybeCount>, () => undefined));
  // @ts-expect-error replaceState's function must keep the state's type
  void GenServer.replaceState(ref, (n) => `${n}`);
  // @ts-expect-error the state is a number, not a string
  void GenServer.replaceState(ref, (s: string) => s);
}

export async function literalStates(machine: ServerRef<Machine>): Promise<void> {
  // ---- positive: literal replies and states fit without `as const` ---------------------------
  expectType<Promise<{ was: Phase }>>()(GenServer.call(machine, 'start'));
  // ---- negative ---------------------------------------------------------------------------------
  // @ts-expect-error the reply is { was: Phase }
  const phase: Phase = await GenServer.call(machine, 'start');
  void phase;
}

export async function untypedServers(untyped: ServerRef<Untyped>, stateOnly: ServerRef<StateOnly>): Promise<void> {
  // ---- positive: a server that declares nothing takes any tag; replies are unknown, not any ----
  expectType<Promise<unknown>>()(GenServer.call(untyped, 'anything', 'x'));
  expectType<Promise<unknown>>()(GenServer.call(untyped, 'whatever'));
  expectType<Promise<unknown>>()(GenServer.call('some_name', 'whatever', { any: 'payload' }, 100));
  expectType<Promise<unknown>>()(GenServer.call(stateOnly, 'push', 'item'));
  GenServer.cast(untyped, 'poke', 1);
  GenServer.send('some_name', 'ping');
  expectType<Promise<string[]>>()(GenServer.getState(stateOnly));
  expectType<Promise<unknown>>()(Untyped.start(undefined).then((r) => GenServer.call(r, 'x')));
  // ---- negative ---------------------------------------------------------------------------------
  // @ts-expect-error unknown is not any: an untyped reply must be narrowed before use
  void (await GenServer.call(untyped, 'anything')).length;
  // @ts-expect-error the tag is still a string
  void GenServer.call(untyped, 42);
  // @ts-expect-error expectType itself fails on a mismatch (unknown is not any)
  // biome-ignore lint/suspicious/noExplicitAny: the spec checks that any is told apart from unknown
  expectType<any>()(GenServer.call(untyped, 'x'));
}
