// Type tests of typed via names: `Registry.via<S>(reg, key)` names a server of type `S`, and is
// typed wherever a `ServerRef<S>` is; `Registry.via(reg, key)` stays untyped. Compile-only (see
// expect_type.ts).
import { GenServer, Registry, type ServerRef, type ServerTarget, type ViaName } from '../../lib';
import { expectType } from './expect_type';
import { Counter, type Machine, type Phase } from './fixtures';

const REG = 'type_tests_registry';

export async function typedVia(): Promise<void> {
  // ---- positive: typed like a ServerRef<Counter> -----------------------------------------------
  const counter = Registry.via<Counter>(REG, 'counter:1');
  expectType<ViaName<Counter>>()(counter);
  expectType<Promise<number>>()(GenServer.call(counter, 'add', 10));
  expectType<Promise<number>>()(GenServer.call(counter, 'get', undefined, 250));
  expectType<Promise<string>>()(GenServer.call(counter, 'label', { prefix: '#' }));
  const sum: number = await GenServer.call(counter, 'add', 1);
  void sum;
  GenServer.cast(counter, 'set', 3);
  GenServer.send(counter, 'note', 'hello');
  expectType<ServerRef<Counter> | undefined>()(GenServer.whereis(counter));
  expectType<Promise<number>>()(GenServer.getState(counter));
  expectType<Promise<number>>()(GenServer.replaceState(counter, (n) => n + 1));
  expectType<Promise<{ was: Phase }>>()(GenServer.call(Registry.via<Machine>(REG, 'machine'), 'start'));
  // It is still a name for start and for everything that takes any server.
  expectType<ServerRef<Counter>>()(await Counter.start(0, { name: counter }));
  const target: ServerTarget = counter;
  const loose: ViaName = counter;
  void [target, loose];
  expectType<boolean>()(GenServer.isAlive(counter));
  await GenServer.stop(counter, 'normal', 1000);

  // ---- negative ---------------------------------------------------------------------------------
  // @ts-expect-error a typo'd call tag through a typed via name
  void GenServer.call(counter, 'ad', 10);
  // @ts-expect-error a call payload of the wrong type through a typed via name
  void GenServer.call(counter, 'add', '10');
  // @ts-expect-error a call-only tag sent as a cast through a typed via name
  GenServer.cast(counter, 'add', 1);
  // @ts-expect-error an info payload of the wrong type through a typed via name
  GenServer.send(counter, 'note', 42);
  // @ts-expect-error a payload where the protocol says void, through a typed via name
  void GenServer.call(counter, 'get', 5);
  // @ts-expect-error replaceState through a typed via name keeps the state's type
  void GenServer.replaceState(counter, (n) => `${n}`);
  // @ts-expect-error a via name for a Counter is not one for a Machine
  const machine: ViaName<Machine> = counter;
  void machine;
  // @ts-expect-error the type argument must be a server (a GenServer instance type)
  void Registry.via<string>(REG, 'text');
}

export async function untypedVia(): Promise<void> {
  // ---- positive: without a type argument nothing changes ----------------------------------------
  const name = Registry.via(REG, 'anything');
  expectType<ViaName>()(name);
  expectType<ViaName<unknown>>()(name);
  expectType<Promise<unknown>>()(GenServer.call(name, 'whatever', { any: 'payload' }));
  GenServer.cast(name, 'poke', 1);
  GenServer.send(name, 'ping');
  expectType<ServerRef<unknown> | undefined>()(GenServer.whereis(name));
  expectType<ServerRef<Counter> | undefined>()(GenServer.whereis<Counter>(name));
  expectType<Promise<unknown>>()(GenServer.getState(name));
  expectType<ServerRef<Counter>>()(await Counter.start(0, { name }));

  // ---- negative ---------------------------------------------------------------------------------
  // @ts-expect-error an untyped via name is not a Counter's until you say so
  const typed: ViaName<Counter> = name;
  void typed;
  // @ts-expect-error unknown is not any: an untyped reply must be narrowed before use
  void (await GenServer.call(name, 'get')).length;
}
