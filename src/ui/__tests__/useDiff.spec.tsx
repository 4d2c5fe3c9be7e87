import * as React from 'react';
import { loadDiff, setDiffModule } from '../../markdown/diff';
import { useDiff } from '../useDiff';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { createRoot } = require('react-dom/client');
const act: (work: () => unknown) => any = (React as any).act;
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

function Probe(): JSX.Element {
  const diff = useDiff();
  return <span>{diff ? diff.diffLines('a\n', 'b\n').length : 'loading'}</span>;
}

describe('useDiff (jsdiff loads where a diff is drawn)', () => {
  afterEach(() => setDiffModule(require('diff')));

  it('draws a loading state, then the diff once the chunk has loaded', async () => {
    setDiffModule(null);
    const node = document.createElement('div');
    const root = createRoot(node);
    act(() => root.render(<Probe />));
    expect(node.textContent).toBe('loading');
    await act(async () => {
      await loadDiff();
    });
    expect(node.textContent).toBe('2');
    act(() => root.unmount());
  });

  it('draws at once when jsdiff is already loaded', () => {
    const node = document.createElement('div');
    const root = createRoot(node);
    act(() => root.render(<Probe />));
    expect(node.textContent).toBe('2');
    act(() => root.unmount());
  });
});
