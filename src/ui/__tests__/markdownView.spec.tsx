import '../../notebook/__tests__/jupyterlabMocks';
import {
  fireEvent,
  render,
  RenderResult,
  waitFor
} from '@testing-library/react';
import { untranslated } from '../../translation';
import { Sanitizer } from '@jupyterlab/apputils';
import {
  RenderMimeRegistry,
  standardRendererFactories
} from '@jupyterlab/rendermime';
import * as React from 'react';
import { MarkdownView } from '../markdownView';
import {
  BLOCKED_ATTRIBUTE,
  BLOCKED_CLASS,
  blockRemoteContent,
  hardenLinks,
  isLocalUrl,
  styleWithoutRemoteUrls
} from '../../markdown/remoteContent';

const trans = untranslated;
const ORIGIN = window.location.origin;
const SECRET_URL = 'http://127.0.0.1:9/?k=secret';

/**
 * Stands in for marked (an ES module jest does not transform here): images,
 * links, and raw HTML passed through as marked does. Everything after the
 * parser is JupyterLab's real path: RenderedMarkdown, its Sanitizer, innerHTML.
 */
const markdownParser = {
  render: async (source: string) =>
    source
      .replace(
        /!\[([^\]]*)\]\(([^)\s]+)\)/g,
        (_, alt, url) => `<img alt="${alt}" src="${url}">`
      )
      .replace(
        /\[([^\]]*)\]\(([^)\s]+)\)/g,
        (_, text, url) => `<a href="${url}">${text}</a>`
      )
};

/** Every HTML string assigned to innerHTML of an element of the live document. */
const assigned: string[] = [];
const innerHTML = Object.getOwnPropertyDescriptor(
  Element.prototype,
  'innerHTML'
)!;
beforeAll(() => {
  Object.defineProperty(Element.prototype, 'innerHTML', {
    ...innerHTML,
    set(this: Element, value: string) {
      if (this.ownerDocument === document) {
        assigned.push(String(value));
      }
      innerHTML.set!.call(this, value);
    }
  });
});
afterAll(() => {
  Object.defineProperty(Element.prototype, 'innerHTML', innerHTML);
});

const registry = new RenderMimeRegistry({
  initialFactories: standardRendererFactories,
  sanitizer: new Sanitizer(),
  markdownParser
});

/** The view of the running test: `show` renders into it, again with new source. */
let view: RenderResult | null;

/** Renders (or re-renders) `source`, and waits until the rendered markdown passes `until`. */
async function show(
  source: string,
  until: (node: HTMLElement) => boolean
): Promise<HTMLElement> {
  const markdown = (
    <MarkdownView source={source} rendermime={registry} trans={trans} />
  );
  if (view) {
    view.rerender(markdown);
  } else {
    view = render(markdown);
  }
  const { container } = view;
  await waitFor(() => expect(until(container)).toBe(true), {
    timeout: 2000,
    interval: 5
  });
  return container;
}

const remoteImages = (node: ParentNode) =>
  Array.from(node.querySelectorAll('img, source, video, audio')).filter(el =>
    ['src', 'srcset', 'poster'].some(
      a =>
        el.hasAttribute(a) &&
        !isLocalUrl(el.getAttribute(a)!.split(/[\s,]/)[0], ORIGIN)
    )
  );

beforeEach(() => {
  assigned.length = 0;
  view = null;
});

describe('MarkdownView: remote content', () => {
  it('shows a placeholder instead of a remote image until the click, and keeps local ones', async () => {
    const source = `Look ![leak](${SECRET_URL}) and ![dot](data:image/png;base64,iVBORw0KGgo=) and ![own](/files/plot.png)`;
    const node = await show(
      source,
      n => n.querySelector(`.${BLOCKED_CLASS}`) !== null
    );
    const placeholder = node.querySelector(`.${BLOCKED_CLASS}`)!;
    expect(placeholder.textContent).toBe(
      'Image from 127.0.0.1:9 not loaded: click to load'
    );
    expect(remoteImages(node)).toEqual([]);
    const kept = Array.from(node.querySelectorAll('img')).map(img =>
      img.getAttribute('src')
    );
    expect(kept).toEqual([
      'data:image/png;base64,iVBORw0KGgo=',
      '/files/plot.png'
    ]);
    // The browser never got HTML with the remote URL in a fetching attribute.
    expect(assigned.length).toBeGreaterThan(0);
    expect(
      assigned.filter(html => /\ssrc="http:\/\/127\.0\.0\.1:9/.test(html))
    ).toEqual([]);

    fireEvent.click(placeholder);
    expect(node.querySelector(`.${BLOCKED_CLASS}`)).toBeNull();
    const restored = remoteImages(node);
    expect(restored.map(el => el.getAttribute('src'))).toEqual([SECRET_URL]);
    expect(restored[0].getAttribute('alt')).toBe('leak');
  });

  it('keeps a clicked image loaded while the reply streams on, and blocks new ones', async () => {
    const first = await show(
      `![a](${SECRET_URL})`,
      n => n.querySelector(`.${BLOCKED_CLASS}`) !== null
    );
    fireEvent.click(first.querySelector(`.${BLOCKED_CLASS}`)!);
    const node = await show(
      `![a](${SECRET_URL}) more ![b](https://evil.example/b.png)`,
      n => n.textContent!.includes('more')
    );
    expect(remoteImages(node).map(el => el.getAttribute('src'))).toEqual([
      SECRET_URL
    ]);
    expect(node.querySelector(`.${BLOCKED_CLASS}`)!.textContent).toContain(
      'evil.example'
    );
  });

  it('opens remote links in a new tab without opener or referrer', async () => {
    const node = await show(
      '[docs](https://example.com/x) <a href="https://e.example/" ping="https://p.example/">p</a>',
      n => n.querySelector('a') !== null
    );
    for (const a of Array.from(node.querySelectorAll('a'))) {
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')!.split(' ')).toEqual(
        expect.arrayContaining(['noopener', 'noreferrer'])
      );
      expect(a.hasAttribute('ping')).toBe(false);
    }
  });

  it('blocks media, srcset and CSS url() that the default sanitiser lets through', async () => {
    const html = [
      '<video src="https://evil.example/v.mp4" poster="https://evil.example/p.png" controls></video>',
      '<audio src="https://evil.example/a.mp3" autoplay></audio>',
      '<p style="background: url(https://evil.example/bg.png) no-repeat; color: red">x</p>',
      '<input type="image" src="https://evil.example/i.png">',
      '<img src="/files/ok.png" srcset="https://evil.example/2x.png 2x">'
    ].join('');
    const node = await show(html, n => n.querySelector('p') !== null);
    const fetching = Array.from(node.querySelectorAll('*')).filter(el =>
      Array.from(el.attributes).some(
        a =>
          a.name !== BLOCKED_ATTRIBUTE &&
          a.name !== 'title' &&
          a.value.includes('evil.example')
      )
    );
    expect(fetching).toEqual([]);
    expect(node.querySelectorAll(`.${BLOCKED_CLASS}`)).toHaveLength(2);
    expect(node.querySelector('p')!.getAttribute('style')).toBe(
      'background:none no-repeat;color:red'
    );
    expect(node.querySelector('img')!.getAttribute('src')).toBe(
      '/files/ok.png'
    );
  });
});

describe('blockRemoteContent', () => {
  const evil = (html: string) => {
    const out = document.createElement('template');
    out.innerHTML = blockRemoteContent(html, ORIGIN, trans);
    return Array.from(out.content.querySelectorAll('*')).flatMap(el =>
      Array.from(el.attributes)
        .filter(
          a =>
            a.name !== BLOCKED_ATTRIBUTE &&
            a.name !== 'title' &&
            !(el.localName === 'a' && a.name === 'href')
        )
        .filter(a => a.value.includes('evil.example'))
        .map(a => `${el.localName}[${a.name}]`)
    );
  };

  it.each([
    ['<img srcset="https://evil.example/a.png 1x, /files/b.png 2x">'],
    [
      '<picture><source srcset="https://evil.example/a.webp"><img src="/files/a.png"></picture>'
    ],
    [
      '<video><source src="https://evil.example/v.mp4"><track src="https://evil.example/t.vtt"></video>'
    ],
    ['<link rel="stylesheet" href="https://evil.example/s.css"><p>x</p>'],
    ['<iframe src="https://evil.example/"></iframe>'],
    ['<iframe srcdoc="&lt;img src=https://evil.example/&gt;"></iframe>'],
    [
      '<object data="https://evil.example/o.swf"></object><embed src="https://evil.example/e.swf">'
    ],
    [
      '<svg><image href="https://evil.example/i.svg"></image><use xlink:href="https://evil.example/u.svg#a"></use></svg>'
    ],
    [
      '<table background="https://evil.example/t.png"><tr><td>x</td></tr></table>'
    ],
    [
      '<div style="background-image: image-set(&quot;https://evil.example/x.png&quot; 1x)">x</div>'
    ],
    ['<div style="background: \\75 rl(https://evil.example/x.png)">x</div>'],
    ['<style>@import url(https://evil.example/s.css);</style>'],
    ['<meta http-equiv="refresh" content="0; url=https://evil.example/">'],
    ['<img src="//evil.example/protocol-relative.png">']
  ])('leaves nothing that fetches by itself in %s', html => {
    expect(evil(html)).toEqual([]);
  });

  it('keeps what stays on this origin', () => {
    const html = `<img src="data:image/png;base64,AAAA"><img src="${ORIGIN}/files/a.png"><img src="attachment:x.png"><p style="background: url('/files/bg.png')">x</p>`;
    expect(blockRemoteContent(html, ORIGIN, trans)).toBe(html);
  });

  it('rewrites only remote url() in styles', () => {
    expect(
      styleWithoutRemoteUrls(
        'background: url(https://evil.example/x.png) no-repeat; color: red',
        ORIGIN
      )
    ).toBe('background: none no-repeat; color: red');
    expect(
      styleWithoutRemoteUrls(
        'background: url("data:image/png;base64,AA==")',
        ORIGIN
      )
    ).toBe('background: url("data:image/png;base64,AA==")');
    expect(
      styleWithoutRemoteUrls('background: image-set("x.png" 1x)', ORIGIN)
    ).toBeNull();
  });
});

describe('blockRemoteContent under JupyterHub: only this server’s base_url loads without a click', () => {
  // Alice's server at /user/alice/ on a hub whose origin every user's server shares
  // (the page's origin: root-relative URLs resolve against it, as in the browser).
  const HUB = ORIGIN;
  const BASE = `${HUB}/user/alice/`;
  const PAGE = `${HUB}/user/alice/lab/tree/work/analysis.ipynb`;
  const kept = (html: string) => {
    const out = document.createElement('template');
    out.innerHTML = blockRemoteContent(html, BASE, trans);
    return {
      blocked: out.content.querySelectorAll(`.${BLOCKED_CLASS}`).length,
      fetching: out.content.querySelectorAll('img[src], img[srcset]').length,
      html: out.innerHTML
    };
  };

  it.each([
    ['/user/bob/files/p.png?d=secret'],
    [`${HUB}/user/bob/files/p.png?d=secret`],
    ['/hub/logout'],
    ['/user/alice/../bob/files/p.png'],
    ['/user/alice/files/..%2F..%2Fbob/p.png'],
    ['/user/alice/%2e%2e/bob/files/p.png'],
    ['/user/alicex/files/p.png'],
    ['/user/alice'],
    [`//${new URL(HUB).host}/hub/logout`]
  ])('%s is not local: a placeholder, no URL left to fetch', url => {
    expect(isLocalUrl(url, BASE, PAGE)).toBe(false);
    const { blocked, fetching } = kept(`<p><img src="${url}" alt="x"></p>`);
    expect(blocked).toBe(1);
    expect(fetching).toBe(0);
  });

  it('keeps images under this server’s base URL (absolute, root-relative, relative to the page)', () => {
    expect(isLocalUrl('/user/alice/files/p.png', BASE, PAGE)).toBe(true);
    expect(isLocalUrl(`${BASE}files/p.png`, BASE, PAGE)).toBe(true);
    expect(isLocalUrl('plots/p.png', BASE, PAGE)).toBe(true);
    expect(isLocalUrl('../../../../bob/files/p.png', BASE, PAGE)).toBe(false);
    const html = '<img src="/user/alice/files/p.png">';
    expect(blockRemoteContent(html, BASE, trans)).toBe(html);
  });

  it('drops url() and srcset candidates that reach another user or the hub', () => {
    expect(
      styleWithoutRemoteUrls('background: url(/user/bob/files/x.png)', BASE)
    ).toBe('background: none');
    const { html } = kept(
      '<img src="/user/alice/files/a.png" srcset="/hub/logout 2x">'
    );
    expect(html).toBe('<img src="/user/alice/files/a.png">');
  });

  it('opens links to another user’s server in a new tab without referrer', () => {
    const root = document.createElement('div');
    root.innerHTML =
      '<a href="/user/bob/tree">bob</a><a href="/user/alice/tree">mine</a>';
    hardenLinks(root, BASE);
    const [bob, mine] = Array.from(root.querySelectorAll('a'));
    expect(bob.getAttribute('target')).toBe('_blank');
    expect(bob.getAttribute('rel')).toContain('noreferrer');
    expect(mine.hasAttribute('target')).toBe(false);
  });
});
