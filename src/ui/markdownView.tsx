import type { TranslationBundle } from '@jupyterlab/translation';
import { Clipboard } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import {
  addBelowIcon,
  copyIcon,
  editIcon,
  type LabIcon
} from '@jupyterlab/ui-components';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import * as React from 'react';
import {
  BLOCKED_ATTRIBUTE,
  hardenLinks,
  NoRemoteFetchSanitizer,
  restoreBlocked
} from '../markdown/remoteContent';

/** What a code block in a reply can do. */
export interface ICodeBlockActions {
  insertBelow(code: string): boolean;
  replaceActive(code: string): boolean;
}

export interface IMarkdownViewProps {
  source: string;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  /** When given, code blocks get Copy / Insert below / Replace buttons. */
  actions?: ICodeBlockActions;
  /** The host's class (default `jp-DataEngineer-markdown`). */
  className?: string;
}

/** Per app registry, a clone whose sanitiser also blocks remote fetches. */
const guardedRegistries = new WeakMap<
  IRenderMimeRegistry,
  IRenderMimeRegistry
>();

function guardedRegistry(
  rendermime: IRenderMimeRegistry,
  trans: TranslationBundle
): IRenderMimeRegistry {
  let guarded = guardedRegistries.get(rendermime);
  if (!guarded) {
    guarded = rendermime.clone({
      sanitizer: new NoRemoteFetchSanitizer(rendermime.sanitizer, trans)
    });
    guardedRegistries.set(rendermime, guarded);
  }
  return guarded;
}

/**
 * Markdown through JupyterLab's own renderer: sanitised (the model is not
 * trusted), highlighted, typeset, themed. Remote images, media and frames
 * become click-to-load placeholders before the HTML reaches the DOM (see
 * remoteContent.ts). While a reply streams, renders are coalesced: at most one
 * in flight, then one more with the newest text.
 */
export function MarkdownView(props: IMarkdownViewProps): JSX.Element {
  const host = React.useRef<HTMLDivElement>(null);
  const state = React.useRef<{
    renderer: IRenderMime.IRenderer | null;
    rendering: boolean;
    pending: string | null;
    disposed: boolean;
    /** Placeholders the user clicked, by the HTML they stand for: kept loaded across re-renders. */
    allowed: Set<string>;
  }>({
    renderer: null,
    rendering: false,
    pending: null,
    disposed: false,
    allowed: new Set()
  });
  const propsRef = React.useRef(props);
  propsRef.current = props;

  React.useEffect(() => {
    const renderer = guardedRegistry(
      props.rendermime,
      props.trans
    ).createRenderer('text/markdown');
    state.current.renderer = renderer;
    state.current.disposed = false;
    host.current?.appendChild(renderer.node);
    return () => {
      state.current.disposed = true;
      renderer.dispose();
    };
  }, [props.rendermime]);

  React.useEffect(() => {
    const s = state.current;
    s.pending = props.source;
    if (s.rendering) {
      return;
    }
    const pump = async (): Promise<void> => {
      s.rendering = true;
      try {
        while (s.pending !== null && !s.disposed && s.renderer) {
          const source = s.pending;
          s.pending = null;
          const model = new MimeModel({
            data: { 'text/markdown': source },
            trusted: false
          });
          await s.renderer.renderModel(model);
          afterRender(s.renderer.node, s.allowed);
          const { actions, trans } = propsRef.current;
          if (actions && !s.disposed) {
            decorateCodeBlocks(s.renderer.node, actions, trans);
          }
        }
      } finally {
        s.rendering = false;
      }
    };
    void pump();
  }, [props.source]);

  // Actions arrive when the stream ends, often with no new text to render.
  React.useEffect(() => {
    const s = state.current;
    if (props.actions && s.renderer && !s.rendering) {
      decorateCodeBlocks(s.renderer.node, props.actions, props.trans);
    }
  }, [props.actions]);

  const onClick = React.useCallback((event: React.MouseEvent) => {
    const target = event.target as Element;
    const blocked = target.closest?.(`[${BLOCKED_ATTRIBUTE}]`);
    if (blocked && host.current?.contains(blocked)) {
      event.preventDefault();
      state.current.allowed.add(blocked.getAttribute(BLOCKED_ATTRIBUTE) ?? '');
      restoreBlocked(blocked);
    }
  }, []);

  return (
    <div
      className={props.className ?? 'jp-DataEngineer-markdown'}
      ref={host}
      onClick={onClick}
    />
  );
}

/** JupyterLab sets rel="noopener" on remote links after sanitising: add noreferrer back (links leaving this server's base URL). */
function afterRender(node: HTMLElement, allowed: Set<string>): void {
  hardenLinks(node, ServerConnection.makeSettings().baseUrl);
  node.querySelectorAll(`[${BLOCKED_ATTRIBUTE}]`).forEach(el => {
    if (allowed.has(el.getAttribute(BLOCKED_ATTRIBUTE) ?? '')) {
      restoreBlocked(el);
    }
  });
}

/** Add the action bar to every rendered code block that lacks one. */
function decorateCodeBlocks(
  node: HTMLElement,
  actions: ICodeBlockActions,
  trans: TranslationBundle
): void {
  node.querySelectorAll('pre').forEach(pre => {
    if (pre.parentElement?.classList.contains('jp-DataEngineer-codeBlock')) {
      return;
    }
    const wrapper = document.createElement('div');
    wrapper.className = 'jp-DataEngineer-codeBlock';
    pre.replaceWith(wrapper);
    const bar = document.createElement('div');
    bar.className = 'jp-DataEngineer-codeActions';
    const code = () =>
      (pre.querySelector('code') ?? pre).textContent?.replace(/\n$/, '') ?? '';
    const button = (
      label: string,
      title: string,
      icon: LabIcon,
      run: () => void
    ) => {
      const b = document.createElement('button');
      b.className = 'jp-DataEngineer-codeAction';
      b.type = 'button';
      b.title = title;
      b.setAttribute('aria-label', label);
      icon.element({ container: b, tag: 'span', elementSize: 'small' } as any);
      b.addEventListener('click', event => {
        event.preventDefault();
        run();
      });
      bar.appendChild(b);
    };
    button(
      trans.__('Copy'),
      trans.__('Copy the code to the clipboard'),
      copyIcon,
      () => Clipboard.copyToSystem(code())
    );
    button(
      trans.__('Insert below'),
      trans.__('Insert the code in a new cell below the active cell'),
      addBelowIcon,
      () => actions.insertBelow(code())
    );
    button(
      trans.__('Replace cell'),
      trans.__('Replace the source of the active cell with the code'),
      editIcon,
      () => actions.replaceActive(code())
    );
    wrapper.appendChild(bar);
    wrapper.appendChild(pre);
  });
}
