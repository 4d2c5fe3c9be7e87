import type { TranslationBundle } from '@jupyterlab/translation';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';
import { MarkdownChunker } from '../markdown/chunks';
import { ICodeBlockActions, MarkdownView } from './markdownView';

export interface IReplyTextProps {
  source: string;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  actions?: ICodeBlockActions;
}

/** A chunk of a reply; rendered again only when its text (or the actions) change. */
const Chunk = React.memo(MarkdownView);

/**
 * A reply's markdown, rendered in chunks (see `MarkdownChunker`): while it
 * streams, only the growing last chunk is parsed, sanitised and rendered
 * again, however long the reply already is. One element holds the chunks,
 * so the reply reads as one text (`.jp-DataEngineer-markdown`).
 */
export function ReplyText(props: IReplyTextProps): JSX.Element {
  const chunker = React.useRef<MarkdownChunker | null>(null);
  chunker.current ??= new MarkdownChunker();
  const chunks = chunker.current.split(props.source);
  return (
    <div className="jp-DataEngineer-markdown">
      {chunks.map((chunk, index) =>
        chunk ? (
          <Chunk
            key={index}
            className="jp-DataEngineer-markdownChunk"
            source={chunk}
            rendermime={props.rendermime}
            trans={props.trans}
            actions={props.actions}
          />
        ) : null
      )}
    </div>
  );
}
