// The one helper of the compile-only type tests (spec/types/): `tsc --noEmit` checks them, mocha
// never runs them. A test passes when the file compiles: every positive case compiles, and every
// `// @ts-expect-error` line really is an error (or tsc reports the directive as unused).

/** True when `A` and `B` are the same type — not merely assignable; `any` equals only `any`. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * Fails to compile unless `actual`'s type is exactly `Expected`:
 * `expectType<Promise<number>>()(GenServer.call(ref, 'add', 10))`.
 */
export function expectType<Expected>() {
  return <Actual>(
    actual: Actual,
    ..._mismatch: Equal<Expected, Actual> extends true ? [] : [error: 'the type differs from the expected one']
  ): void => {
    void actual;
  };
}
