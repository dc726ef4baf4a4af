// genserver-ts/testing resolves, with its types, from CommonJS and ESM apps (the kit's own consumer
// specs, for vitest and node:test, are cases of their own).
import * as testing from 'genserver-ts/testing';

const names = Object.keys(testing);
if (names.length === 0) throw new Error('genserver-ts/testing exports nothing');
console.log(`consumer ok (node ${process.versions.node}): genserver-ts/testing exports ${names.sort().join(', ')}`);
