// Type tests of Agent: the state type flows from Agent.start into every function that takes the ref.
// Compile-only (see expect_type.ts). Each `@ts-expect-error` names the mistake it stands for.
import { Agent } from '../../lib';
import { expectType } from './expect_type';

export async function agentState(): Promise<void> {
  // ---- positive: the state type is inferred from the initial function --------------------------
  const counter = await Agent.start(() => 0);
  expectType<Agent<number>>()(counter);
  expectType<Promise<number>>()(Agent.get(counter, (n) => n + 1));
  expectType<Promise<string>>()(Agent.get(counter, (n) => String(n), 100));
  expectType<Promise<string>>()(Agent.get(counter, async (n) => `#${n}`));
  expectType<Promise<void>>()(Agent.update(counter, (n) => n + 1));
  expectType<Promise<boolean>>()(Agent.getAndUpdate(counter, (n) => [n > 0, 0]));
  Agent.cast(counter, (n) => n * 2);
  const users = await Agent.start(async () => new Map<string, number>());
  expectType<Promise<number | undefined>>()(Agent.get(users, (m) => m.get('ada')));
  // By name, the state type is said once, on the function's parameter.
  expectType<Promise<number>>()(Agent.get('counter', (n: number) => n));

  // ---- negative ---------------------------------------------------------------------------------
  // @ts-expect-error the state is a number, not a string
  void Agent.get(counter, (s) => s.toUpperCase());
  // @ts-expect-error get's result used as the wrong type
  const wrong: string = await Agent.get(counter, (n) => n);
  void wrong;
  // @ts-expect-error update must return the state type
  void Agent.update(counter, (n) => String(n));
  // @ts-expect-error getAndUpdate's new state must have the state type
  void Agent.getAndUpdate(counter, (n) => [n, 'reset']);
  // @ts-expect-error getAndUpdate returns a pair, not a bare value
  void Agent.getAndUpdate(counter, (n) => n);
  // @ts-expect-error cast must return the state type
  Agent.cast(counter, () => null);
  // @ts-expect-error the timeout is a number
  void Agent.get(counter, (n) => n, '100');
  // @ts-expect-error an agent of another state type
  const other: Agent<string> = counter;
  void other;
}
