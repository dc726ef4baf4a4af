import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scenario } from '../src/scenario.js';

test('a supervised Counter answers typed calls, is restarted after a crash, and stops', async () => {
  assert.equal(await scenario(), 'add=15, restarted, stopped');
});
