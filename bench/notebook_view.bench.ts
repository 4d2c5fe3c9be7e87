/**
 * Benchmark: buildNotebookView on a synthetic 500-cell notebook (code and
 * markdown cells, streams, tables, plots, an error), median and p95 over 50
 * runs after a warm-up. Budget: well under 20 ms per build.
 *
 * Run from the repository root (compiles this file and what it imports to a
 * temporary folder; nothing is written to the repository):
 *
 *   npx tsc --outDir /tmp/nbview-bench --rootDir . --module commonjs --target es2020 \
 *     --lib es2020,dom --types node --skipLibCheck --esModuleInterop bench/notebook_view.bench.ts \
 *     && node /tmp/nbview-bench/bench/notebook_view.bench.js
 */
import {
  buildNotebookView,
  INotebookViewCell,
  INotebookViewInput
} from '../src/context/notebookView';

const CELLS = 500;
const RUNS = 50;
const WARMUP = 5;

function syntheticNotebook(): INotebookViewInput {
  const cells: INotebookViewCell[] = [];
  const png = 'iVBORw0KGgo'.repeat(20000); // ~220 KB of base64, like a plot
  for (let i = 0; i < CELLS; i++) {
    const id = `${i.toString(16).padStart(8, '0')}-1c2d-4e5f-8a9b-0c1d2e3f4a5b`;
    if (i % 5 === 0) {
      cells.push({
        id,
        cell_type: 'markdown',
        source: `## Step ${i}\n\nLoad the orders for region ${i} and check them.`
      });
      continue;
    }
    const lines = Array.from(
      { length: 5 + (i % 30) },
      (_, n) =>
        `df_${i} = df_${i}.assign(col_${n}=lambda d: d["amount"] * ${n})  # transform ${n}`
    );
    const outputs: any[] = [];
    if (i % 3 === 0) {
      outputs.push({
        output_type: 'stream',
        name: 'stdout',
        text: `rows: ${i * 1000}\n`.repeat(20)
      });
    }
    if (i % 4 === 0) {
      outputs.push({
        output_type: 'execute_result',
        execution_count: i,
        data: {
          'text/plain': '   a  b\n0  1  2\n'.repeat(50),
          'text/html':
            '<table>' + '<tr><td>1</td></tr>'.repeat(200) + '</table>'
        },
        metadata: {}
      });
    }
    if (i % 25 === 0) {
      outputs.push({
        output_type: 'display_data',
        data: { 'image/png': png, 'text/plain': '<Figure>' },
        metadata: {}
      });
    }
    if (i === 321) {
      outputs.push({
        output_type: 'error',
        ename: 'KeyError',
        evalue: "'amount'",
        traceback: ['\u001b[31mKeyError\u001b[0m']
      });
    }
    cells.push({
      id,
      cell_type: 'code',
      source: lines.join('\n'),
      execution_count: i,
      outputs
    });
  }
  return {
    path: 'bench/orders.ipynb',
    kernel: { name: 'python3', language: 'python', status: 'idle' },
    activeCellId: cells[250].id,
    cells
  };
}

function stats(times: number[]): { median: number; p95: number } {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)],
    p95: sorted[
      Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)
    ]
  };
}

function bench(
  label: string,
  input: INotebookViewInput,
  maxChars?: number
): void {
  let length = 0;
  for (let i = 0; i < WARMUP; i++) {
    length = buildNotebookView(input, { maxChars }).length;
  }
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    buildNotebookView(input, { maxChars });
    times.push(performance.now() - start);
  }
  const { median, p95 } = stats(times);
  console.log(
    `${label}: median ${median.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms over ${RUNS} runs (${length} chars)`
  );
}

const notebook = syntheticNotebook();
bench(`${CELLS} cells, default budget (12,000 chars)`, notebook);
bench(
  `${CELLS} cells, no budget (everything shown)`,
  notebook,
  Number.MAX_SAFE_INTEGER
);
