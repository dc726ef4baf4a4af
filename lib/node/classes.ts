import { ClassNameError } from '../errors';

/**
 * GenServer classes by their stable name, so a start on another node can say which class to run:
 * the name is the class's `name` unless registered under another one. A worker thread registers
 * every GenServer class its modules export; two different classes under one name are an error
 * at once (a wrong class would be worse), naming both modules.
 */
const byName = new Map<string, { cls: Function; source: string }>();
const nameOf = new WeakMap<Function, string>();

/** Registers `cls` under `name` (default: its class name). Registering the same class again is a no-op. */
export function registerClass(cls: Function, name: string = cls.name, source: string = 'Node.register()', node = 'this node'): void {
  const held = byName.get(name);
  if (held !== undefined && held.cls !== cls) {
    throw new ClassNameError(
      name,
      node,
      `two different classes claim this name (from ${held.source} and from ${source}). Rename one, or ` +
        `register one under another name with Node.register(Class, 'other.Name') in both threads.`,
    );
  }
  byName.set(name, { cls, source });
  if (!nameOf.has(cls)) nameOf.set(cls, name);
}

export function classByName(name: string): Function | undefined {
  return byName.get(name)?.cls;
}

/** The name other nodes know `cls` by. */
export function classNameOf(cls: Function): string {
  return nameOf.get(cls) ?? cls.name;
}
