import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import * as React from 'react';
import { setDiffModule } from '../../markdown/diff';
import { useDiff } from '../useDiff';

function Probe(): JSX.Element {
  const diff = useDiff();
  return (
    <span>
      {diff ? `${diff.diffLines('a\n', 'b\n').length} parts` : 'loading'}
    </span>
  );
}

describe('useDiff (jsdiff loads where a diff is drawn)', () => {
  afterEach(() => setDiffModule(require('diff')));

  it('draws a loading state, then the diff once the chunk has loaded', async () => {
    setDiffModule(null); // as in the browser before the first diff
    render(<Probe />);
    expect(screen.getByText('loading')).toBeInTheDocument();
    expect(await screen.findByText('2 parts')).toBeInTheDocument();
  });

  it('draws at once when jsdiff is already loaded', () => {
    render(<Probe />);
    expect(screen.getByText('2 parts')).toBeInTheDocument();
  });
});
