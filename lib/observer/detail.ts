import { dynamicSupervisorView } from '../behaviours/dynamic_supervisor';
import { supervisorView } from '../behaviours/supervisor';
import { info } from '../behaviours/sys';
import type { Process } from '../process/process';
import { PROC, ServerRef } from '../process/ref';
import { formatState, nameText, shortText } from './format';
import type { LogTap } from './log_tap';

/** A server another one is linked to or monitors, as the detail pane lists it. */
export interface PeerView {
  id: number;
  className: string;
  name: string;
  status: string;
}

function peer(ref: ServerRef): PeerView {
  const p = ref[PROC];
  return { id: p.id, className: p.className, name: nameText(p.name), status: p.statusName };
}

/** Everything the detail pane shows of one server, read through `GenServer.info` and the supervisors' views. */
export function detailOf(proc: Process, node: string, tap: LogTap, showState: boolean) {
  const i = info(proc.ref);
  const sup = supervisorView(proc) ?? dynamicSupervisorView(proc, 200);
  return {
    id: i.id,
    node,
    className: i.className,
    name: nameText(i.name),
    status: i.status,
    mailbox: i.mailboxLength,
    maxMailbox: i.maxMailbox === Infinity ? null : i.maxMailbox,
    handled: i.handled,
    dropped: i.dropped,
    trapExits: i.trapExits,
    tracing: i.tracing,
    timers: i.timers,
    links: i.links.map(peer),
    monitors: i.monitors.map(peer),
    monitoredBy: i.monitoredBy.map(peer),
    // State may hold secrets: a tokenless (read-only) view does not get it.
    state: showState ? formatState(proc) : undefined,
    traces: tap.tracesOf(proc),
    exitReason: i.status === 'dead' ? shortText(i.exitReason) : undefined,
    supervisor: sup && {
      kind: sup.kind,
      strategy: sup.strategy,
      restarts: sup.restarts,
      maxRestarts: sup.maxRestarts,
      maxSeconds: sup.maxSeconds,
      childCount: sup.childCount,
      children: sup.children.map((c) => ({
        childId: c.id,
        id: c.ref instanceof ServerRef ? c.ref.id : undefined,
        status: c.ref instanceof ServerRef ? c.ref[PROC].statusName : c.ref === 'restarting' ? 'restarting' : 'stopped',
        type: c.type,
        restart: c.restart,
        restarts: c.restarts,
      })),
    },
  };
}
