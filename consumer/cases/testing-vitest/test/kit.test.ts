import { afterEach, expect, test, vi } from 'vitest';
import { CallTimeoutError, GenServer } from 'genserver-ts';
import { captureLogs, cleanup, rejectionOf, startProbe, startSupervised } from 'genserver-ts/testing';
import { Counter } from '../src/counter.js';

afterEach(cleanup); // the one line vitest needs without `globals: true`
afterEach(() => {
  vi.useRealTimers();
});

const named = () => ({ id: 'counter', start: () => Counter.startLink(5, { name: 'kit_counter' }) });

test('startSupervised starts a named Counter under the test supervisor', async () => {
  const ref = await startSupervised(named());
  expect(await GenServer.call(ref, 'add', 10)).toBe(15);
});

test('the next test can take the same name: cleanup stopped the first one', async () => {
  const ref = await startSupervised(named());
  expect(GenServer.whereis('kit_counter')).toBe(ref);
  expect(await GenServer.call(ref, 'get')).toBe(5);
});

test('captureLogs keeps the crash report off the console and returns it', async () => {
  const ref = await startSupervised([Counter, 1]);
  const logs = await captureLogs(async () => {
    GenServer.cast(ref, 'crash');
    await GenServer.awaitExit(ref);
  });
  expect(logs[0]?.level).toBe('error');
  expect(logs[0]?.message).toContain('crashed on purpose');
});

test('a probe receives, and assertReceive fails with what it got', async () => {
  const probe = await startProbe();
  GenServer.send(probe.ref, 'hello', 'there');
  expect((await probe.assertReceive('hello')).payload).toBe('there');
  await expect(probe.assertReceive('missing', 10)).rejects.toThrow("expected a message 'missing' within 10 ms");
  await probe.refuteReceive('hello', 10);
});

test("vitest's fake timers drive call deadlines", async () => {
  vi.useFakeTimers();
  const probe = await startProbe(); // never answers a call by itself
  const call = rejectionOf(GenServer.call(probe.ref, 'question', undefined, 10_000));
  await vi.advanceTimersByTimeAsync(9_999);
  expect(probe.received.map((m) => m.tag)).toEqual(['question']);
  await vi.advanceTimersByTimeAsync(1);
  expect(await call).toBeInstanceOf(CallTimeoutError);
});
