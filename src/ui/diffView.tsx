import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { diffMarkdown } from '../markdown/markdown';
import { MarkdownView } from './markdownView';
import { useDiff } from './useDiff';

/** A unified diff of a file edit, drawn once jsdiff (a chunk of its own) has loaded. */
export function DiffView(props: {
  path: string;
  before: string;
  after: string;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const diff = useDiff();
  if (!diff) {
    return (
      <div className="jp-DataEngineer-diffLoading">
        {props.trans.__('Loading the diff…')}
      </div>
    );
  }
  return (
    <MarkdownView
      source={diffMarkdown(diff, props.path, props.before, props.after)}
      rendermime={props.rendermime}
      trans={props.trans}
    />
  );
}
