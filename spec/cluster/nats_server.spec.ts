import { expect } from 'chai';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { existsSync } from 'node:fs';
import { NatsCluster, NatsServer, natsServerInstalled, processAlive } from '../support/nats_server';

// The support module every cluster spec stands on: real nats-servers, started and stopped here.
describe('spec support: nats-server', function () {
  this.timeout(60_000);
  before(function () {
    if (!natsServerInstalled()) this.skip();
  });

  it('starts a server with JetStream on a free loopback port, and stop leaves no process or store behind', async () => {
    const server = await NatsServer.start();
    const pid = server.pid!;
    expect(processAlive(pid)).to.equal(true);
    const nc = await connect({ servers: server.url });
    try {
      const kv = await new Kvm(nc).create('probe');
      expect(await kv.create('k', 'v')).to.be.a('number');
      expect((await kv.get('k'))?.string()).to.equal('v');
    } finally {
      await nc.close();
    }
    await server.stop();
    expect(processAlive(pid)).to.equal(false);
    expect(existsSync(server.storeDir)).to.equal(false);
  });

  it('restarts on the same port with the same store', async () => {
    const server = await NatsServer.start();
    try {
      let nc = await connect({ servers: server.url });
      await (await new Kvm(nc).create('keep')).put('k', 'kept');
      await nc.close();
      const before = server.pid;
      await server.restart();
      expect(server.pid).to.not.equal(before);
      nc = await connect({ servers: server.url });
      expect((await (await new Kvm(nc).open('keep')).get('k'))?.string()).to.equal('kept');
      await nc.close();
    } finally {
      await server.stop();
    }
  });

  it('refuses a client without credentials when the server requires them, and admits one with them', async () => {
    const server = await NatsServer.start({ auth: { user: 'ann', password: 's3cret' } });
    try {
      let refused: unknown;
      try {
        const nc = await connect({ servers: server.url, reconnect: false });
        await nc.close();
      } catch (error) {
        refused = error;
      }
      expect(refused).to.be.instanceOf(Error);
      expect(String((refused as Error).message).toLowerCase()).to.match(/authorization|auth/);
      const nc = await connect({ servers: server.url, user: 'ann', pass: 's3cret' });
      await nc.flush();
      await nc.close();
    } finally {
      await server.stop();
    }
  });

  it('runs a 3-server cluster with routes on loopback and KV with 3 replicas', async () => {
    const cluster = await NatsCluster.start(3);
    const pids = cluster.servers.map((s) => s.pid!);
    try {
      const nc = await connect({ servers: cluster.urls[0] });
      try {
        const kv = await new Kvm(nc).create('replicated', { replicas: 3 });
        await kv.put('k', 'v');
        const other = await connect({ servers: cluster.urls[2] });
        expect((await (await new Kvm(other).open('replicated')).get('k'))?.string()).to.equal('v');
        await other.close();
      } finally {
        await nc.close();
      }
    } finally {
      await cluster.stop();
    }
    for (const pid of pids) expect(processAlive(pid)).to.equal(false);
  });
});
