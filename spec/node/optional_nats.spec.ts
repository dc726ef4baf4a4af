import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// In-process users install nothing but the package and reflect-metadata: the NATS client is an
// optional peer dependency, loaded only by the cluster's own modules.
describe('the NATS client is optional', function () {
  this.timeout(60_000);

  it('is not loaded by the main entry', () => {
    const root = join(__dirname, '..', '..');
    const script =
      "require('./lib'); console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /@nats-io|msgpackr|[\\\\/]node[\\\\/]nats[\\\\/]/.test(k))))";
    const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out.trim())).to.deep.equal([]);
  });
});
