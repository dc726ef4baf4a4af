// Type tests of the Registry's match specs and typed reads. Compile-only (see expect_type.ts).
// Each `@ts-expect-error` names the mistake it stands for.
import {
  Match,
  Registry,
  type Guard,
  type MatchVar,
  type RegistryEntry,
  type RegistryRegisterEvent,
  type SelectClause,
  type ServerRef,
} from '../../lib';
import { expectType } from './expect_type';

export function registryTypes(reg: ServerRef): void {
  const { _, $ } = Match;

  // ---- positive ---------------------------------------------------------------------------------
  expectType<MatchVar>()($('n'));
  expectType<MatchVar>()($(1));
  expectType<RegistryEntry<{ size: number }>[]>()(Registry.match<{ size: number }>(reg, 'room', { size: $('n') }, [['>', $('n'), 10]]));
  expectType<RegistryEntry[]>()(Registry.match(reg, 'room', _));
  expectType<number>()(Registry.countMatch(reg, 'room', [_, $(1)], [['isString', $(1)]]));
  expectType<string[]>()(Registry.select<string>(reg, { match: { key: $('k') }, result: $('k') }));
  expectType<number>()(Registry.countSelect(reg, [{ match: { value: 1 } }, {}]));
  expectType<[number, number] | undefined>()(Registry.updateValue(reg, 'counter', (n: number) => n + 1));
  expectType<string[]>()(Registry.values<string>(reg, 'k', reg));
  expectType<number | undefined>()(Registry.meta<number>(reg, 'version'));
  const nested: Guard = ['and', ['>', $('n'), 1], ['not', ['in', $('n'), Match.const([5, 6])]]];
  const clause: SelectClause = {
    match: { key: _, ref: $('r'), value: { n: $('n') } },
    guards: [nested, true],
    result: [$('r'), Match.entry],
  };
  void clause;
  Registry.dispatch<{ level: number }>(reg, 'log', (entries) => expectType<RegistryEntry<{ level: number }>[]>()(entries), {
    pattern: { level: $('l') },
    guards: [['>=', $('l'), 2]],
  });
  const event = {} as RegistryRegisterEvent<string>;
  expectType<ServerRef>()(event.registry);
  expectType<string>()(event.value);

  // ---- negative ---------------------------------------------------------------------------------
  // @ts-expect-error an operator the guard language does not have
  Registry.match(reg, 'k', $(1), [['eval', $(1)]]);
  // @ts-expect-error a guard that is a bare string, not an operation
  Registry.match(reg, 'k', $(1), ['$1 > 1']);
  // @ts-expect-error a select clause with Elixir's tuple shape instead of { match, guards, result }
  Registry.select(reg, [[{ key: _ }, [], []]]);
  // @ts-expect-error a misspelt part of an entry in a select pattern
  Registry.select(reg, { match: { pid: _ } });
  // @ts-expect-error updateValue's function must return the value's type
  Registry.updateValue(reg, 'counter', (n: number) => String(n));
  // @ts-expect-error a meta key must be a string or a symbol
  Registry.meta(reg, 42);
  // @ts-expect-error a variable is named by a string or a number
  $({ name: 'n' });
}
