// Compiles the compile-fail fixtures (mistakes.ts) with a given `tsc` binary in both decorator
// standards and checks each error's text (expectations.ts). For TypeScript 7, whose `tsc` is a
// native binary without the compiler API; .ci/typescript7 runs it:
//
//   node -r ts-node/register/transpile-only spec/types/diagnostics/check_tsc.ts /path/to/tsc
//
// Exits 1, printing what each failing message shows, when a message does not name its mismatch.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTscOutput, problemWith, readMistakes, strayErrors } from './expectations';

const tsc = process.argv[2];
if (!tsc) {
  console.error('usage: check_tsc.ts <path to tsc>');
  process.exit(2);
}
const run = (args: string[]) => spawnSync(tsc, args, { encoding: 'utf8' });
console.log(`type diagnostics with ${run(['--version']).stdout.trim()}`);

const mistakes = readMistakes(readFileSync(join(__dirname, 'mistakes.ts'), 'utf8'));
let failed = 0;
for (const [mode, config] of [
  ['experimentalDecorators', 'tsconfig.json'],
  ['TC39 decorators', 'tsconfig.tc39.json'],
] as const) {
  const result = run(['-p', join(__dirname, config), '--pretty', 'false']);
  const reported = parseTscOutput(`${result.stdout}${result.stderr}`, 'spec/types/diagnostics/mistakes.ts');
  for (const stray of strayErrors(mistakes, reported)) {
    failed++;
    console.log(`not ok  ${mode}: an error where the fixture has no mistake, line ${stray.line}:\n${stray.message}`);
  }
  for (const mistake of mistakes) {
    const problem = problemWith(mistake, reported);
    if (problem) failed++;
    console.log(`${problem ? 'not ok' : 'ok'}  ${mode}: ${mistake.title}${problem ? `\n  ${problem}` : ''}`);
  }
}
console.log(`${mistakes.length * 2 - failed} of ${mistakes.length * 2} messages name their mismatch`);
process.exit(failed === 0 ? 0 : 1);
