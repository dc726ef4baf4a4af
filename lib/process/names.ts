import { ArgumentError } from '../errors';
import type { Process } from './process';

/**
 * Registered names: a string, or a class (for `@singleton`). A name is freed the moment its
 * process exits.
 */
export type Name = string | Function;

const byString = new Map<string, Process>();
const byClass = new Map<Function, Process>();

export function checkName(name: unknown): Name {
  if ((typeof name === 'string' && name.length > 0) || typeof name === 'function') return name as Name;
  throw new ArgumentError('name', name, 'a non-empty string or a @singleton class');
}

export function whereisProcess(name: unknown): Process | undefined {
  if (typeof name === 'string') return byString.get(name);
  if (typeof name === 'function') return byClass.get(name);
  return undefined;
}

/** Registers `proc` under `name`; the caller has checked that the name is free. */
export function registerName(name: Name, proc: Process): void {
  if (typeof name === 'string') byString.set(name, proc);
  else byClass.set(name, proc);
  proc.name = name;
}

export function unregisterName(proc: Process): void {
  const name = proc.name;
  if (name === undefined) return;
  proc.name = undefined;
  if (typeof name === 'string') {
    if (byString.get(name) === proc) byString.delete(name);
  } else if (byClass.get(name) === proc) {
    byClass.delete(name);
  }
}
