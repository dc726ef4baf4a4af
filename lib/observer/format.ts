import { inspect } from 'node:util';
import { ViaName } from '../process/names';
import { formatStatus } from '../process/format_status';
import type { Process } from '../process/process';

// The one place a server's state becomes text for the page: every view that shows state (the detail
// pane, and any future one) goes through this function, and so through the class's `@formatStatus`.

/** How deep and how long a state is shown; a state is user data of any size. */
export const STATE_DEPTH = 4;
const MAX_ARRAY = 100;
const MAX_STRING = 2000;
const MAX_CHARS = 20_000;

/**
 * The server's state as the detail pane shows it: as its `@formatStatus` shapes it (if it has one),
 * depth-limited, long arrays and strings cut.
 */
export function formatState(proc: Process): string {
  let text: string;
  try {
    text = inspect(formatStatus(proc, { state: proc.state }).state, {
      depth: STATE_DEPTH,
      maxArrayLength: MAX_ARRAY,
      maxStringLength: MAX_STRING,
      breakLength: 100,
      compact: 3,
    });
  } catch (error) {
    // A hostile getter or a throwing inspect.custom must not break the page.
    text = `<state could not be shown: ${error instanceof Error ? error.message : String(error)}>`;
  }
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}\n… (${text.length - MAX_CHARS} more characters)` : text;
}

/** A name as text: a string, a class's name, or a via name's description. */
export function nameText(name: unknown): string {
  if (name === undefined) return '';
  if (typeof name === 'string') return name;
  if (typeof name === 'function') return name.name;
  if (name instanceof ViaName) return `${String(name.key)} (via ${name.label})`;
  return String(name);
}

/** An exit reason or log detail as one short line. */
export function shortText(x: unknown, max = 300): string {
  const s = typeof x === 'string' ? x : inspect(x, { depth: 2, breakLength: Infinity });
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
