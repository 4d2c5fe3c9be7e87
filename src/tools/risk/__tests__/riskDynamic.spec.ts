/** @jest-environment node */
import * as fs from 'fs';
import * as path from 'path';
import { destructiveReason } from '..';

/**
 * Code that names what it runs at run time (issue 26, item 10): a dynamic
 * import, exec/eval of computed text, a command list whose program is
 * computed. The check cannot read what these do, so they ask, as SQL built
 * at run time already does; ordinary cells stay quiet.
 */
describe('destructiveReason: dynamic forms', () => {
  const risky: Array<[string, string, RegExp]> = [
    [
      'getattr(__import__(built), built)',
      "getattr(__import__('shu'+'til'), 'rmt'+'ree')('data')",
      /__import__|getattr/
    ],
    [
      '__import__ of a literal',
      "__import__('shutil').rmtree('x')",
      /__import__/
    ],
    [
      'importlib.import_module of a computed name',
      "import importlib\nm = importlib.import_module('o' + 's')\nm.remove('a')",
      /importlib/
    ],
    [
      'importlib imported as a name',
      'from importlib import import_module as im\nim(name)',
      /importlib/
    ],
    [
      'exec of bytes.fromhex',
      "exec(bytes.fromhex('7072696e74283129'))",
      /exec/
    ],
    ['exec of a variable', 'code = fetch()\nexec(code)', /exec/],
    [
      'eval of a base64 decode',
      'import base64\neval(base64.b64decode(payload).decode())',
      /exec\/eval/
    ],
    ['builtins.exec', 'import builtins\nbuiltins.exec(src)', /exec/],
    [
      'exec of a literal with rmtree inside',
      'exec("import shutil; shutil.rmtree(\'x\')")',
      /rmtree/
    ],
    [
      'a computed program in a command list',
      "import subprocess\nsubprocess.run(['r'+'m', '-rf', 'data'])",
      /built at run time/
    ],
    [
      'a program held in a variable',
      "subprocess.run([tool, '-rf', 'data'])",
      /built at run time/
    ],
    [
      'a computed script after sh -c',
      "subprocess.call(['sh', '-c', script])",
      /built at run time/
    ],
    [
      'a computed program after sudo',
      "subprocess.run(['sudo', prog, 'x'])",
      /built at run time/
    ],
    ['a whole command in a variable', 'os.system(cmd)', /built at run time/],
    [
      'a program from an f-string',
      'os.system(f"{tool} -rf data")',
      /built at run time/
    ],
    [
      'getattr on os with a computed name',
      "import os\ngetattr(os, name)('a.csv')",
      /getattr/
    ],
    [
      'getattr of os.system by name',
      "import os\ngetattr(os, 'system')('ls')",
      /getattr/
    ],
    ['getattr of rmtree on anything', "getattr(sh, 'rmtree')('x')", /rmtree/]
  ];
  it.each(risky)('asks for %s', (_label, code, reason) => {
    expect(destructiveReason(code)).toMatch(reason);
  });

  const corpus = fs
    .readFileSync(path.join(__dirname, 'corpus', 'ordinary_cells.py'), 'utf8')
    .split(/^# %%\n/m)
    .slice(1);

  it('reads a corpus of ordinary cells', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(20);
  });

  it.each(corpus.map((cell, i) => [i + 1, cell]))(
    'leaves ordinary cell %i alone',
    (_n, cell) => {
      expect(destructiveReason(cell as string)).toBeNull();
    }
  );
});
