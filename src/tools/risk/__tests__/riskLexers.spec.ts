/** @jest-environment node */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { lexPython } from '../pythonLexer';
import { lexSql, sqlStatements } from '../sqlLexer';
import { shellCommands } from '../shellRisk';

/**
 * The risk check's Python lexer against Python's own `tokenize` on a corpus
 * (standard-library modules and a file of grammar corners): the same names,
 * numbers, strings, operators and comments, in the same order.
 */

const PYTHON = process.env.DE_TEST_PYTHON || 'python3';

// Python's tokens of interest as [kind, text]; f-string parts (3.12+) merged back into one STRING.
const TOKENIZE = String.raw`
import json, sys, tokenize, io
out = {}
for name in sys.argv[1:]:
    src = open(name, encoding='utf-8').read()
    lines = src.splitlines(keepends=True)
    def text(start, end):
        (r1, c1), (r2, c2) = start, end
        if r1 == r2:
            return lines[r1 - 1][c1:c2]
        return lines[r1 - 1][c1:] + ''.join(lines[r1:r2 - 1]) + lines[r2 - 1][:c2]
    toks, depth, fstart = [], 0, None
    kinds = {tokenize.NAME: 'name', tokenize.NUMBER: 'number', tokenize.STRING: 'string', tokenize.OP: 'op', tokenize.COMMENT: 'comment'}
    FS, FE = getattr(tokenize, 'FSTRING_START', -1), getattr(tokenize, 'FSTRING_END', -2)
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == FS:
            if depth == 0:
                fstart = tok.start
            depth += 1
            continue
        if tok.type == FE:
            depth -= 1
            if depth == 0:
                toks.append(['string', text(fstart, tok.end)])
            continue
        if depth:
            continue
        if tok.type in kinds:
            toks.append([kinds[tok.type], tok.string])
        elif tok.type == tokenize.ERRORTOKEN and tok.string.strip():
            toks.append(['error', tok.string])
    out[name] = toks
json.dump(out, sys.stdout)
`;

function stdlib(): string {
  return execFileSync(
    PYTHON,
    ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"],
    { encoding: 'utf8' }
  ).trim();
}

describe('lexPython matches Python tokenize', () => {
  const lib = stdlib();
  const corpus = [
    path.join(__dirname, 'corpus', 'tricky.py'),
    ...[
      'shutil.py',
      'subprocess.py',
      'tokenize.py',
      'argparse.py',
      'textwrap.py',
      'string.py',
      'csv.py',
      'pathlib.py',
      'dataclasses.py',
      'fractions.py',
      'json/decoder.py',
      'json/encoder.py',
      'email/utils.py',
      'sqlite3/dump.py',
      'shlex.py',
      'fnmatch.py',
      'glob.py',
      'tempfile.py',
      'configparser.py',
      'statistics.py'
    ].map(f => path.join(lib, f))
  ].filter(f => fs.existsSync(f));
  const expected: Record<string, Array<[string, string]>> = JSON.parse(
    execFileSync(PYTHON, ['-c', TOKENIZE, ...corpus], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024
    })
  );

  it('has a corpus of at least 15 files', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
  });

  it.each(corpus.map(f => [path.basename(f), f]))('%s', (_name, file) => {
    const source = fs.readFileSync(file, 'utf8');
    const ours = lexPython(source, { ipython: false })
      .filter(t => t.kind !== 'newline')
      .map(t => [t.kind, t.text]);
    const theirs = expected[file];
    // First difference, for a readable failure.
    const n = Math.max(ours.length, theirs.length);
    for (let i = 0; i < n; i++) {
      if (ours[i]?.[0] !== theirs[i]?.[0] || ours[i]?.[1] !== theirs[i]?.[1]) {
        expect({ at: i, ours: ours.slice(Math.max(0, i - 2), i + 3) }).toEqual({
          at: i,
          ours: theirs.slice(Math.max(0, i - 2), i + 3)
        });
      }
    }
    expect(ours.length).toBe(theirs.length);
  });
});

describe('lexPython: IPython escapes and string values', () => {
  it('reads !, %, %% and x = !cmd only at the start of a logical line', () => {
    const tokens = lexPython(
      '!ls -la\n%time f()\nx = !rm a\ny = a % b\nz = (1,\n!2)\n'
    );
    expect(
      tokens
        .filter(t => t.kind === 'shell' || t.kind === 'magic')
        .map(t => t.text)
    ).toEqual(['!ls -la', '%time f()', '!rm a']);
    expect(lexPython('%%bash\nrm x')[0]).toMatchObject({
      kind: 'magic',
      text: '%%bash\nrm x'
    });
  });

  it('gives string values with escapes resolved and prefixes lower-cased', () => {
    const [a, b, c] = lexPython(`"a\\tb" R'\\d' f"{x}"`).filter(
      t => t.kind === 'string'
    );
    expect([a.value, a.prefix]).toEqual(['a\tb', '']);
    expect([b.value, b.prefix]).toEqual(['\\d', 'r']);
    expect([c.value, c.prefix]).toEqual(['{x}', 'f']);
  });

  it('never throws on broken code: an unterminated string is an error token', () => {
    const tokens = lexPython('x = "open\nos.remove(p)');
    expect(tokens.some(t => t.kind === 'error')).toBe(true);
    expect(tokens.filter(t => t.kind === 'name').map(t => t.text)).toEqual([
      'x',
      'os',
      'remove',
      'p'
    ]);
  });
});

describe('lexSql', () => {
  it('knows strings, quoted identifiers, dollar quotes and nested comments', () => {
    const tokens = lexSql(
      `SELECT 'a;b' , "DROP" , $$x; DROP$$ /* a /* nested */ DROP */ FROM t; DELETE FROM u`
    );
    expect(tokens.filter(t => t.kind === 'word').map(t => t.value)).toEqual([
      'SELECT',
      'FROM',
      'T',
      'DELETE',
      'FROM',
      'U'
    ]);
    expect(sqlStatements(tokens)).toHaveLength(2);
  });

  it('reads backslash escapes only when asked (E strings always)', () => {
    const sql = `SELECT 'a\\'; DROP TABLE t; --'`;
    expect(sqlStatements(lexSql(sql))).toHaveLength(2);
    expect(sqlStatements(lexSql(sql, { backslashEscapes: true }))).toHaveLength(
      1
    );
    expect(
      sqlStatements(lexSql(`SELECT E'a\\'; DROP TABLE t; --'`))
    ).toHaveLength(1);
  });
});

describe('shellCommands', () => {
  it('splits commands at operators and keeps quoted words whole', () => {
    expect(
      shellCommands(`cd "my dir" && rm -rf 'a b' | tee x; echo "#" # comment`)
    ).toEqual([
      ['cd', 'my dir'],
      ['rm', '-rf', 'a b'],
      ['tee', 'x'],
      ['echo', '#']
    ]);
  });
});
