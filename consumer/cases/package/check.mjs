// What a plain ES module user gets: the ESM entry, which shares the CommonJS build's runtime.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esm from 'genserver-ts';
import { GenServer } from 'genserver-ts';

const require = createRequire(import.meta.url);
const cjs = require('genserver-ts');
assert.match(import.meta.resolve('genserver-ts'), /\/dist\/index\.mjs$/, 'import resolves to the ESM entry');
assert.equal(GenServer, cjs.GenServer, 'import and require give the same GenServer (one copy of the runtime)');
assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).sort(), 'the ESM entry exports every name of the CommonJS one');
await assert.rejects(import('genserver-ts/dist/index.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
console.log(`consumer ok (node ${process.versions.node}): import, ${Object.keys(esm).length} names shared with require`);
