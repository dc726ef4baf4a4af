import { expect } from 'chai';
import { GenServer, MonitorRef, handleCall, handleInfo, noreply, reply, type DownMessage, type ServerRef } from '../lib';
import { captureLogs, gate, rejectionOf, sleep, trackServers, type Gate } from './support/helpers';

// ---- fixtures ---------------------------------------------------------------------------------

interface Watch {
  /** Shared with the test: every DOWN message received, in order. */
  downs: DownMessage[];
  /** Opened by the first DOWN message. */
  firstDown: Gate<DownMessage>;
}

const watch = (): Watch => ({ downs: [], firstDown: gate<DownMessage>() });

class Watcher extends GenServer<Watch> {
  @handleCall('monitor')
  watch(target: ServerRef | string, s: Watch) {
    return reply(this.monitor(target), s);
  }

  @handleCall('demonitor')
  unwatch(monitor: MonitorRef, s: Watch) {
    return reply(this.demonitor(monitor), s);
  }

  @handleCall('downs')
  seen(_: void, s: Watch) {
    return reply(s.downs.length, s);
  }

  @handleCall('crash')
  crash(message: string): never {
    throw new Error(message);
  }

  @handleInfo('DOWN')
  down(message: DownMessage, s: Watch) {
    s.downs.push(message);
    s.firstDown.open(message);
    return noreply(s);
  }
}

// ---- specs ------------------------------------------------------------------------------------

describe('this.monitor()', () => {
  const track = trackServers();
  captureLogs();
  const watcher = async (): Promise<[ServerRef, Watch]> => {
    const s = watch();
    return [track(await Watcher.start(s)), s];
  };

  it("delivers @handleInfo('DOWN') with { monitor, ref, reason } when the target exits, once", async () => {
    const [ref, s] = await watcher();
    const [target] = await watcher();
    const monitor = await GenServer.call(ref, 'monitor', target);
    expect(monitor).to.be.instanceOf(MonitorRef);
    await GenServer.stop(target, 'shutdown');
    expect(await s.firstDown.promise).to.deep.equal({ monitor, ref: target, reason: 'shutdown' });
    await sleep(20);
    expect(s.downs).to.have.length(1);
  });

  it("carries every reason, 'normal' and a crash's error included", async () => {
    const [ref, s] = await watcher();
    const [calm] = await watcher();
    const [fragile] = await watcher();
    await GenServer.call(ref, 'monitor', calm);
    await GenServer.call(ref, 'monitor', fragile);
    await GenServer.stop(calm);
    const crash = await rejectionOf(GenServer.call(fragile, 'crash', 'boom'));
    await GenServer.awaitExit(fragile);
    await GenServer.call(ref, 'downs');
    expect(s.downs.map((d) => d.reason)).to.deep.equal(['normal', (crash as { reason: unknown }).reason]);
  });

  it('monitors a server by its name; DOWN names its ref', async () => {
    const [ref, s] = await watcher();
    const target = track(await Watcher.start(watch(), { name: 'watched' }));
    await GenServer.call(ref, 'monitor', 'watched');
    await GenServer.stop(target, 'shutdown');
    expect(await s.firstDown.promise).to.include({ ref: target, reason: 'shutdown' });
  });

  it('gives one DOWN per monitor when a server is monitored twice', async () => {
    const [ref, s] = await watcher();
    const [target] = await watcher();
    const first = await GenServer.call(ref, 'monitor', target);
    const second = await GenServer.call(ref, 'monitor', target);
    expect(first).not.to.equal(second);
    await GenServer.stop(target);
    await GenServer.call(ref, 'downs');
    expect(s.downs.map((d) => d.monitor)).to.have.members([first, second]);
  });

  it("delivers DOWN with 'noproc' at once for a dead ref", async () => {
    const [ref, s] = await watcher();
    const [dead] = await watcher();
    await GenServer.stop(dead);
    const monitor = await GenServer.call(ref, 'monitor', dead);
    // "At once": before the next message the server handles.
    expect(await GenServer.call(ref, 'downs')).to.equal(1);
    expect(s.downs).to.deep.equal([{ monitor, ref: dead, reason: 'noproc' }]);
  });

  it("delivers DOWN with 'noproc' at once for a name nobody holds", async () => {
    const [ref, s] = await watcher();
    const monitor = await GenServer.call(ref, 'monitor', 'nobody_here');
    expect(await GenServer.call(ref, 'downs')).to.equal(1);
    expect(s.downs[0]).to.include({ monitor, reason: 'noproc' });
  });

  it('does not kill the watcher, whatever the reason; nor does the watcher’s exit touch the target', async () => {
    const [ref] = await watcher();
    const [target] = await watcher();
    await GenServer.call(ref, 'monitor', target);
    await rejectionOf(GenServer.call(target, 'crash', 'boom'));
    await sleep(20);
    expect(GenServer.isAlive(ref)).to.equal(true);

    const [other] = await watcher();
    await GenServer.call(ref, 'monitor', other);
    await rejectionOf(GenServer.call(ref, 'crash', 'watcher fails'));
    await sleep(20);
    expect(GenServer.isAlive(other)).to.equal(true);
    expect(GenServer.info(other).monitoredBy).to.deep.equal([]);
  });

  it('shows in GenServer.info(): monitors on the watcher, monitoredBy on the target, both cleared by DOWN', async () => {
    const [ref, s] = await watcher();
    const [target] = await watcher();
    await GenServer.call(ref, 'monitor', target);
    expect(GenServer.info(ref).monitors).to.deep.equal([target]);
    expect(GenServer.info(target).monitoredBy).to.deep.equal([ref]);
    expect(GenServer.info(ref).links).to.deep.equal([]);
    await GenServer.stop(target);
    await s.firstDown.promise;
    expect(GenServer.info(ref).monitors).to.deep.equal([]);
  });
});

describe('this.demonitor()', () => {
  const track = trackServers();
  captureLogs();

  it('returns true while the monitor is active, and then no DOWN arrives', async () => {
    const s = watch();
    const ref = track(await Watcher.start(s));
    const target = track(await Watcher.start(watch()));
    const monitor = await GenServer.call(ref, 'monitor', target);
    expect(await GenServer.call(ref, 'demonitor', monitor)).to.equal(true);
    expect(GenServer.info(ref).monitors).to.deep.equal([]);
    expect(GenServer.info(target).monitoredBy).to.deep.equal([]);
    await GenServer.stop(target);
    await sleep(20);
    await GenServer.call(ref, 'downs');
    expect(s.downs).to.deep.equal([]);
  });

  it('returns false for a second demonitor, and after the DOWN was delivered', async () => {
    const s = watch();
    const ref = track(await Watcher.start(s));
    const target = track(await Watcher.start(watch()));
    const removed = await GenServer.call(ref, 'monitor', target);
    await GenServer.call(ref, 'demonitor', removed);
    expect(await GenServer.call(ref, 'demonitor', removed)).to.equal(false);

    const fired = await GenServer.call(ref, 'monitor', target);
    await GenServer.stop(target);
    await s.firstDown.promise;
    expect(await GenServer.call(ref, 'demonitor', fired)).to.equal(false);
  });
});
