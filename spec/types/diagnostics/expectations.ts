// Reads the compile-fail fixtures (mistakes.ts) and matches what a compiler reported against them.
// Shared by spec/type_diagnostics.spec.ts (TypeScript 6, compiler API) and check_tsc.ts (any
// `tsc` binary, TypeScript 7 in .ci/typescript7): both hand it a message as tsc prints it.

/** One mistake of the fixture file: the line its error is reported on, and the lines expected. */
export interface Mistake {
  /** What is wrong, from its `// mistake:` comment. */
  title: string;
  /** 1-based line of the decorated method (where the compiler reports the decorator). */
  line: number;
  /**
   * Lines the reported message must contain, in order (`// expect:` comments); `…` stands for
   * any text, for the parts compilers print differently (the order of a union's members).
   */
  expected: string[];
}

/** One error as tsc prints it: its 1-based line and its message, continuation lines indented. */
export interface Reported {
  line: number;
  message: string;
}

/** The mistakes in a fixture file's source. */
export function readMistakes(source: string): Mistake[] {
  const mistakes: Mistake[] = [];
  let current: Mistake | undefined;
  source.split('\n').forEach((text, index) => {
    const mistake = /^\s*\/\/ mistake: (.*)$/.exec(text);
    const expect = /^\s*\/\/ expect: (.*)$/.exec(text);
    if (mistake) {
      current = { title: mistake[1], line: 0, expected: [] };
    } else if (expect && current) {
      current.expected.push(expect[1].trim());
    } else if (current && text.trim() !== '') {
      current.line = index + 1;
      mistakes.push(current);
      current = undefined;
    }
  });
  return mistakes;
}

interface Node {
  text: string;
  children: Node[];
}

/**
 * The lines of a message that its reader gets to see, trimmed, in order. When overload resolution
 * failed ("No overload matches this call."), only the part about the *last* overload counts:
 * TypeScript 7 prints nothing else, and TypeScript 6 prints every overload (each as
 * "Overload i of n, …") — keeping the last one holds TypeScript 6 to what TypeScript 7 shows.
 */
export function linesShown(message: string): string[] {
  const root: Node = { text: '', children: [] };
  const stack: { depth: number; node: Node }[] = [{ depth: -1, node: root }];
  for (const raw of message.split('\n')) {
    if (raw.trim() === '') continue;
    const depth = raw.length - raw.trimStart().length;
    while (stack[stack.length - 1].depth >= depth) stack.pop();
    const node: Node = { text: raw.trim(), children: [] };
    stack[stack.length - 1].node.children.push(node);
    stack.push({ depth, node });
  }
  const lines: string[] = [];
  const walk = (node: Node): void => {
    lines.push(node.text);
    const shown = node.text === 'No overload matches this call.' ? node.children.slice(-1) : node.children;
    shown.forEach(walk);
  };
  root.children.forEach(walk);
  return lines;
}

/** The errors reported in tsc's `--pretty false` output for the file whose path ends with `file`. */
export function parseTscOutput(output: string, file: string): Reported[] {
  const reported: Reported[] = [];
  let current: Reported | undefined;
  for (const text of output.split('\n')) {
    const head = /^(.*)\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(text);
    if (head) {
      current = head[1].replace(/\\/g, '/').endsWith(file) ? { line: Number(head[2]), message: head[4] } : undefined;
      if (current) reported.push(current);
    } else if (current && /^\s/.test(text)) {
      current.message += `\n${text}`;
    } else {
      current = undefined;
    }
  }
  return reported;
}

/**
 * What is wrong with the message reported for `mistake`, or `undefined` when it names the
 * mismatch: one error on its line, and every expected line shown, in order.
 */
export function problemWith(mistake: Mistake, reported: readonly Reported[]): string | undefined {
  const onLine = reported.filter((r) => r.line === mistake.line);
  if (onLine.length !== 1) return `expected one error on line ${mistake.line}, got ${onLine.length}`;
  const shown = linesShown(onLine[0].message);
  let from = 0;
  for (const expected of mistake.expected) {
    const pattern = new RegExp(`^${expected.split('…').map(escapeRegExp).join('.*')}$`);
    const at = shown.findIndex((line, i) => i >= from && pattern.test(line));
    if (at < 0) {
      return `the message does not show (in order, in the last overload's part):\n    ${expected}\n  it shows:\n${shown.map((l) => `    ${l}`).join('\n')}`;
    }
    from = at + 1;
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Errors on lines where the fixture has no mistake: the fixture itself is broken. */
export function strayErrors(mistakes: readonly Mistake[], reported: readonly Reported[]): Reported[] {
  const lines = new Set(mistakes.map((m) => m.line));
  return reported.filter((r) => !lines.has(r.line));
}
