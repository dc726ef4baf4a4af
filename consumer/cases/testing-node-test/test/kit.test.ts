import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { GenServer } from 'genserver-ts';
import { captureLogs, cleanup, startProbe, startSupervised } from 'genserver-ts/testing';
import { Counter } from '../src/counter.js';

afterEach(cleanup); // the one line node:test needs

const named = () => ({ id: 'counter', start: () => Counter.startLink(5, { name: 'kit_counter' }) });

test('startSupervised starts a named Counter under the test supervisor', async () => {
  const ref = await startSupervised(named());
  assert.equal(await GenServer.call(ref, 'add', 10), 15);
});

test('the next test can take the same name: cleanup stopped the first one', async () => {
  const ref = await startSupervised(named());
  assert.equal(GenServer.whereis('kit_counter'), ref);
});

test('captureLogs and a probe', async () => {
  const ref = await startSupervised([Counter, 1]);
  const logs = await captureLogs(async () => {
    GenServer.cast(ref, 'crash');
    await GenServer.awaitExit(ref);
  });
  assert.equal(logs[0]?.level, 'error');
  const probe = await startProbe();
  GenServer.send(probe.ref, 'hello', 'there');
  assert.equal((await probe.assertReceive('hello')).payload, 'there');
  await probe.refuteReceive('hello', 10);
});
