import { expect, test } from 'vitest';
import { scenario } from '../src/scenario.js';

test('a supervised Counter answers typed calls, is restarted after a crash, and stops', async () => {
  expect(await scenario()).toBe('add=15, restarted, stopped');
});
