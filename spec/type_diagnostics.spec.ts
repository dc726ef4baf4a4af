import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTER_INSTANCE } from 'ts-node';
import * as ts from 'typescript';
import { problemWith, readMistakes, strayErrors, type Reported } from './types/diagnostics/expectations';

// A wrong handler must get a compiler message that names the mismatch (payload, state, return
// type, tag), not just "no overload matches". The fixtures in spec/types/diagnostics/mistakes.ts
// are compiled here with the repository's TypeScript (6) in the decorator standard of this run;
// .ci/typescript7 checks the same fixtures with TypeScript 7's tsc. Only the last overload's part
// of a message counts, since that is all TypeScript 7 prints (see expectations.ts).

const dir = join(__dirname, 'types', 'diagnostics');

/** The decorator standard of this run, from the tsconfig ts-node loaded. */
function experimental(): boolean {
  const service = process[REGISTER_INSTANCE];
  if (service === undefined) throw new Error('this spec expects to be compiled by ts-node (see .mocharc.json)');
  return service.config.options.experimentalDecorators === true;
}

/** Compiles the fixtures with `config` and returns their errors as tsc prints them. */
function compile(config: string): Reported[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(dir, config), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (parsed === undefined) throw new Error(`cannot read ${config}`);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const fixture = program.getSourceFiles().find((f) => f.fileName.endsWith('diagnostics/mistakes.ts'));
  if (fixture === undefined) throw new Error(`${config} does not compile mistakes.ts`);
  // The fixture file's errors only: the library itself is type-checked by `npm run typecheck`.
  return [...program.getSyntacticDiagnostics(fixture), ...program.getSemanticDiagnostics(fixture)].map((d) => ({
    line: d.file!.getLineAndCharacterOfPosition(d.start!).line + 1,
    message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
  }));
}

const mode = experimental() ? 'experimentalDecorators' : 'TC39 decorators';
const mistakes = readMistakes(readFileSync(join(dir, 'mistakes.ts'), 'utf8'));

describe(`A wrong handler's compiler message (TypeScript ${ts.version}, ${mode})`, () => {
  let reported: Reported[] = [];

  before(function () {
    this.timeout(120_000); // one compilation of the library and the fixtures, on a busy machine
    reported = compile(experimental() ? 'tsconfig.json' : 'tsconfig.tc39.json');
  });

  it('is one error per mistake in the fixtures, and none elsewhere', () => {
    expect(mistakes.length).to.be.greaterThan(5);
    expect(strayErrors(mistakes, reported).map((r) => `line ${r.line}: ${r.message}`)).to.deep.equal([]);
    expect(reported.map((r) => r.line)).to.deep.equal(mistakes.map((m) => m.line));
  });

  for (const mistake of mistakes) {
    it(`names the mismatch: ${mistake.title}`, () => {
      const problem = problemWith(mistake, reported);
      if (problem !== undefined) expect.fail(problem);
    });
  }
});
