import { expect, test } from 'vitest';
import { GenServer } from 'genserver-ts';
import { startSupervised } from 'genserver-ts/testing';
import { Counter } from '../src/counter.js';

// No afterEach(cleanup) here: with `globals: true` the kit finds vitest's afterEach and registers it.
const named = () => ({ id: 'counter', start: () => Counter.startLink(5, { name: 'kit_counter' }) });

test('startSupervised starts a named Counter', async () => {
  const ref = await startSupervised(named());
  expect(await GenServer.call(ref, 'add', 1)).toBe(6);
});

test('the next test takes the same name: the kit stopped the first server by itself', async () => {
  const ref = await startSupervised(named());
  expect(GenServer.whereis('kit_counter')).toBe(ref);
});
