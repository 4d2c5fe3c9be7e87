/**
 * Issue 29, the comparison half of Reproduce. The fixtures are real runs (nbclient + ipykernel
 * + pandas, `fixtures/make_fixtures.py`): `saved` and `rerun` are the same notebook run twice,
 * `changed` the same notebook with one printed number, one dataframe value and one image's
 * width changed.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

import type * as nbformat from '@jupyterlab/nbformat';

import {
  checkExecutionOrder,
  compareOutputs,
  type ICellOutputs,
  imageSize,
  maskText,
  OUTPUT_MASKS,
  parseHtmlTables,
  reproduceReport
} from '../index';

const runs = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'runs.json'), 'utf-8')
) as Record<'saved' | 'rerun' | 'changed', nbformat.ICodeCell[]>;

function outputsOf(cells: nbformat.ICodeCell[]): ICellOutputs[] {
  return cells.map((cell, index) => ({ index, outputs: cell.outputs }));
}

describe('compareOutputs', () => {
  it('finds two runs of the same notebook the same once volatile parts are masked', () => {
    // Unmasked, the runs differ: a timestamp, a uuid, a memory address, %time's durations.
    expect(JSON.stringify(runs.saved[1].outputs)).not.toEqual(
      JSON.stringify(runs.rerun[1].outputs)
    );
    const report = compareOutputs(outputsOf(runs.saved), outputsOf(runs.rerun));
    expect(report.firstDifference).toBeUndefined();
    expect(report).toMatchObject({
      compared: 5,
      same: 5,
      different: 0,
      failed: 0
    });
    expect(report.masksUsed.map(m => m.id).sort()).toEqual(
      ['duration', 'memory-address', 'timestamp', 'uuid'].sort()
    );
    for (const mask of report.masksUsed) {
      expect(mask.description).toBeTruthy();
    }
  });

  it('catches a changed number in printed text, and shows both sides bounded', () => {
    const saved = outputsOf(runs.saved);
    const fresh = outputsOf(runs.rerun).map(cell =>
      cell.index === 2 ? outputsOf(runs.changed)[2] : cell
    );
    const report = compareOutputs(saved, fresh, { maxChars: 40 });
    expect(report).toMatchObject({ same: 4, different: 1 });
    expect(report.firstDifference).toMatchObject({
      index: 2,
      verdict: 'different',
      reason: 'stdout differs at line 3'
    });
    expect(report.firstDifference!.saved).toContain('… (');
    expect(report.firstDifference!.saved.length).toBeLessThan(80);
    const full = compareOutputs(saved, fresh).firstDifference!;
    expect(full.saved).toContain('total 4999950000');
    expect(full.fresh).toContain('total 9999900000');
  });

  it('catches a changed value in a pandas dataframe table, by position', () => {
    const saved = outputsOf(runs.saved).filter(c => c.index === 3);
    const fresh = outputsOf(runs.changed).filter(c => c.index === 3);
    const report = compareOutputs(saved, fresh);
    expect(report.firstDifference?.reason).toBe(
      'table value at row 3, column 3: "2.00" saved, "2.50" now'
    );
    // The dataframe's shape comes from its HTML: header + 3 rows, index + 2 columns.
    const html = (runs.saved[3].outputs[0] as nbformat.IExecuteResult).data[
      'text/html'
    ] as string;
    const [table] = parseHtmlTables(html);
    expect(table.rows).toEqual([
      ['', 'item', 'price'],
      ['0', 'a', '1.50'],
      ['1', 'b', '2.00'],
      ['2', 'c', '3.25']
    ]);
  });

  it('compares images by presence and size', () => {
    const saved = runs.saved[4].outputs[0] as nbformat.IDisplayData;
    const changed = runs.changed[4].outputs[0] as nbformat.IDisplayData;
    expect(imageSize('image/png', saved.data['image/png'] as string)).toBe(
      '3×2'
    );
    const report = compareOutputs(
      outputsOf(runs.saved).filter(c => c.index === 4),
      outputsOf(runs.changed).filter(c => c.index === 4)
    );
    expect(report.firstDifference?.reason).toBe(
      'image size 3×2 saved, 4×2 now'
    );
    expect(imageSize('image/png', changed.data['image/png'] as string)).toBe(
      '4×2'
    );
    const gone = compareOutputs(
      [{ index: 0, outputs: [saved] }],
      [{ index: 0, outputs: [] }]
    );
    expect(gone.firstDifference?.reason).toBe(
      'output 1 (image/png) is missing now'
    );
  });

  it('reports a cell that fails in the fresh run as failed, first from the top', () => {
    const error: nbformat.IError = {
      output_type: 'error',
      ename: 'NameError',
      evalue: "name 'rate' is not defined",
      traceback: []
    };
    const fresh = outputsOf(runs.rerun).map(cell =>
      cell.index === 1 ? { index: 1, outputs: [error] } : cell
    );
    fresh[3] = outputsOf(runs.changed)[3];
    const report = compareOutputs(outputsOf(runs.saved), fresh);
    expect(report).toMatchObject({ failed: 1, different: 1, same: 3 });
    expect(report.firstDifference).toMatchObject({
      index: 1,
      verdict: 'failed',
      reason: "the fresh run raised NameError: name 'rate' is not defined"
    });
  });
});

describe('maskText', () => {
  it('hides each kind of volatile text and keeps ordinary numbers', () => {
    const used = new Set<string>();
    expect(
      maskText(
        'at 2024-05-01T12:03:44.5Z took 12.3 s (1.2ms) id 1b4e28ba-2fa1-11d2-883f-0016d3cca427 ' +
          'tok 3f9a0c1d2b4e5f60718293a4 <Foo at 0x7f3a2c1b5e80> 50/50 [00:01<00:00, 9.5it/s] /tmp/tmpab12cd rows 1234567890123456',
        used
      )
    ).toBe(
      'at <timestamp> took <duration> (<duration>) id <uuid> tok <hex-id> <Foo at 0x<address>> ' +
        '50/50 [<progress>, <progress>] /tmp/<temp> rows 1234567890123456'
    );
    expect([...used].sort()).toEqual(
      [
        'duration',
        'hex-id',
        'memory-address',
        'progress',
        'temp-path',
        'timestamp',
        'uuid'
      ].sort()
    );
    expect(maskText('total 42 items, 3 rows')).toBe('total 42 items, 3 rows');
    expect(new Set(OUTPUT_MASKS.map(m => m.id)).size).toBe(OUTPUT_MASKS.length);
  });
});

describe('checkExecutionOrder', () => {
  const code = (source: string, count: number | null): nbformat.ICodeCell => ({
    cell_type: 'code',
    source,
    execution_count: count,
    metadata: {},
    outputs: []
  });

  it('flags cells run out of order and cells never run', () => {
    const report = checkExecutionOrder([
      code('a = 1', 1),
      { cell_type: 'markdown', source: 'notes', metadata: {} },
      code('b = a', 5),
      code('c = b', 3),
      code('', null),
      code('d = c', null),
      code('e = d', 6)
    ]);
    expect(report).toEqual({
      inOrder: false,
      neverRun: [5],
      outOfOrder: [{ index: 3, count: 3, after: { index: 2, count: 5 } }]
    });
  });

  it('accepts a notebook run top to bottom (gaps allowed), like the real runs', () => {
    expect(checkExecutionOrder(runs.saved).inOrder).toBe(true);
    expect(checkExecutionOrder([code('a', 2), code('b', 7)]).inOrder).toBe(
      true
    );
  });
});

describe('reproduceReport', () => {
  it('reproduces for two runs of the same notebook', () => {
    const report = reproduceReport(runs.saved, outputsOf(runs.rerun));
    expect(report).toMatchObject({ reproduces: true, compared: 5, same: 5 });
    expect(report.order.inOrder).toBe(true);
  });

  it('skips cells never run unless the fresh run fails there, and flags the order', () => {
    const saved: nbformat.ICodeCell[] = runs.saved.map(cell => ({ ...cell }));
    saved[2] = { ...saved[2], execution_count: null, outputs: [] };
    saved[4] = { ...saved[4], execution_count: 1 };
    const report = reproduceReport(saved, outputsOf(runs.rerun));
    expect(report).toMatchObject({ compared: 4, same: 4, reproduces: false });
    expect(report.order).toMatchObject({
      neverRun: [2],
      outOfOrder: [{ index: 4, count: 1 }]
    });
    const failing = outputsOf(runs.rerun);
    failing[2] = {
      index: 2,
      outputs: [
        {
          output_type: 'error',
          ename: 'NameError',
          evalue: "name 'x' is not defined",
          traceback: []
        }
      ]
    };
    const failed = reproduceReport(saved, failing);
    expect(failed.firstDifference).toMatchObject({
      index: 2,
      verdict: 'failed'
    });
  });
});
