import { ArgumentError, safeInspect } from '../errors';
import type { Process } from './process';
import type { ServerRef } from './ref';

/**
 * Registered names: a string, a class (for `@singleton`), or a `via` name that another registry
 * resolves (`Registry.via(reg, key)`). A name is freed the moment its process exits.
 */
export type Name = string | Function | ViaName;

/** What a registry must do to serve `via` names. */
export interface NameRegistry {
  whereisName(key: unknown): Process | undefined;
  /** Registers `proc` under `key`; false if the key is taken. */
  registerName(key: unknown, proc: Process): boolean;
  unregisterName(key: unknown, proc: Process): void;
  /** Optional: the ref under `key` when it may be a server of another node (PartitionSupervisor). */
  whereisRef?(key: unknown): ServerRef | undefined;
}

/**
 * A name resolved by a registry: `{ via: registry, key }`. Build it with `Registry.via(reg, key)`.
 * `S` is the type of the server it names, for typed calls: `Registry.via<Room>(reg, key)`.
 */
export class ViaName<S = unknown> {
  /** Phantom: carries the named server's type; never set. */
  declare readonly __server?: S;

  constructor(
    readonly registry: NameRegistry,
    readonly key: unknown,
    /** For messages: how the registry is known to the user. */
    readonly label: string,
  ) {}

  toString(): string {
    let key: string;
    try {
      key = String(this.key);
    } catch {
      // A key without toString (a null-prototype object) or whose toString throws.
      key = safeInspect(this.key);
    }
    return `via(${this.label}, ${key})`;
  }
}

const byString = new Map<string, Process>();
const byClass = new Map<Function, Process>();

export function checkName(name: unknown): Name {
  if ((typeof name === 'string' && name.length > 0) || typeof name === 'function' || name instanceof ViaName) return name as Name;
  throw new ArgumentError('name', name, 'a non-empty string, a @singleton class or Registry.via(registry, key)');
}

export function whereisProcess(name: unknown): Process | undefined {
  if (typeof name === 'string') return byString.get(name);
  if (typeof name === 'function') return byClass.get(name);
  if (name instanceof ViaName) return name.registry.whereisName(name.key);
  return undefined;
}

/** Registers `proc` under `name`; false if the name was taken. */
export function registerName(name: Name, proc: Process): boolean {
  if (typeof name === 'string') {
    if (byString.has(name)) return false;
    byString.set(name, proc);
  } else if (typeof name === 'function') {
    if (byClass.has(name)) return false;
    byClass.set(name, proc);
  } else if (!name.registry.registerName(name.key, proc)) {
    return false;
  }
  proc.name = name;
  return true;
}

export function unregisterName(proc: Process): void {
  const name = proc.name;
  if (name === undefined) return;
  proc.name = undefined;
  if (typeof name === 'string') {
    if (byString.get(name) === proc) byString.delete(name);
  } else if (typeof name === 'function') {
    if (byClass.get(name) === proc) byClass.delete(name);
  } else {
    name.registry.unregisterName(name.key, proc);
  }
}
