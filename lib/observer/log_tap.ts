import { listenToLogs, type Logger } from '../logger';
import { PROC, ServerRef } from '../process/ref';
import type { Process } from '../process/process';

/** One entry of the crash log: an OTP-style report or another error/warning the library logged. */
export interface LogEntry {
  seq: number;
  /** ms since the epoch. */
  time: number;
  level: keyof Logger;
  node: string;
  /** The server the entry is about, if any. */
  serverId: number | undefined;
  className: string | undefined;
  kind: 'crash' | 'supervisor' | 'drop' | 'other';
  message: string;
}

const TRACE_LINES = 50;

/**
 * Listens to the library's logger (whatever logger the user set): errors and warnings go to a
 * bounded crash log, trace lines (`info` about a traced server) to the last-messages list of that
 * server. Nothing is recorded for servers that are not traced.
 */
export class LogTap {
  readonly entries: LogEntry[] = [];
  private seq = 0;
  private readonly traces = new WeakMap<Process, string[]>();
  private readonly off: () => void;

  constructor(
    private readonly node: string,
    private readonly capacity: number,
  ) {
    this.off = listenToLogs((level, message, details) => this.record(level, message, details));
  }

  close(): void {
    this.off();
  }

  /** Entries newer than `seq`, oldest first. */
  since(seq: number): LogEntry[] {
    const i = this.entries.findIndex((e) => e.seq > seq);
    return i < 0 ? [] : this.entries.slice(i);
  }

  tracesOf(proc: Process): readonly string[] {
    return this.traces.get(proc) ?? [];
  }

  private record(level: keyof Logger, message: string, details: Record<string, unknown> | undefined): void {
    const subject = details?.server ?? details?.supervisor;
    const proc = subject instanceof ServerRef ? subject[PROC] : undefined;
    if (level === 'info') {
      if (proc === undefined || !proc.tracing) return;
      const lines = this.traces.get(proc) ?? [];
      if (lines.length === 0) this.traces.set(proc, lines);
      lines.push(`${new Date().toISOString().slice(11, 23)} ${message}`);
      if (lines.length > TRACE_LINES) lines.shift();
      return;
    }
    const kind = message.includes(' terminating\n')
      ? 'crash'
      : details?.supervisor !== undefined
        ? 'supervisor'
        : details?.dropped !== undefined
          ? 'drop'
          : 'other';
    this.entries.push({
      seq: ++this.seq,
      time: Date.now(),
      level,
      node: this.node,
      serverId: proc?.id,
      className: proc?.className,
      kind,
      message,
    });
    if (this.entries.length > this.capacity) this.entries.shift();
  }
}
