// What a plain CommonJS user gets from the tarball: the entry, its metadata, and nothing internal.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');

const files = execFileSync('tar', ['-tzf', process.env.GENSERVER_TARBALL], { encoding: 'utf8' })
  .split('\n')
  .filter(Boolean)
  .map((f) => f.replace(/^package\//, ''));
for (const file of [
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/index.mjs',
  'dist/index.d.mts',
]) {
  assert.ok(files.includes(file), `the tarball has ${file}`);
}
const stray = files.filter((f) => !/^(dist\/|package\.json$|README\.md$|LICENSE$|CHANGELOG\.md$)/.test(f));
assert.deepEqual(stray, [], 'the tarball ships dist/ and the docs only (no lib/, spec/, bench/, examples/, .ci/)');

const lib = require('genserver-ts');
for (const name of [
  'GenServer',
  'Supervisor',
  'DynamicSupervisor',
  'Registry',
  'init',
  'handleCall',
  'reply',
  'noreply',
  'GenServerError',
]) {
  assert.equal(typeof lib[name], 'function', `require('genserver-ts').${name}`);
}
const pkg = require('genserver-ts/package.json');
assert.match(pkg.dependencies['reflect-metadata'], /^\^0\./, 'reflect-metadata is a caret range');
assert.equal(pkg.license, 'MIT');
for (const entry of ['.', './testing']) {
  for (const condition of ['import', 'require']) {
    assert.equal(Object.keys(pkg.exports[entry][condition])[0], 'types', `exports["${entry}"].${condition} lists types first`);
  }
}
assert.throws(() => require('genserver-ts/dist/process/ref'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
assert.throws(() => require('genserver-ts/lib/index'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
console.log(`consumer ok (node ${process.versions.node}): require, ${files.length} files in the tarball, internals closed`);
