/**
 * Secret-looking text masked before the page sends it to the model (the
 * notebook context, attachments, inline completions). The rules are the
 * kernel inspector's (`_mask_secrets`, `_secret_name` in src/kernel/inspector.py,
 * which redacts variable summaries): the same key formats, URL passwords,
 * `password=` DSN parts and random-looking long tokens, shown as
 * `<redacted, N chars>`. A test runs both on one corpus so they stay the same.
 *
 * Code also gets its string literals masked when they are assigned (or passed,
 * or mapped) to a secret-looking name: `api_token = "…"`, `password="…"`,
 * `{"api_key": "…"}`, and PEM blocks whole. `restoreMasked` puts the originals
 * back into text the model wrote from a masked view (an edited cell), so a
 * masked secret is never written over its value.
 */

/** The inspector's `_SECRET_TEXT`: key formats, URLs with a password, DSN passwords. */
const SECRET_TEXT = new RegExp(
  [
    String.raw`[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:(?!\*+@)[^\s/?#@]+@`,
    String.raw`\b(?:[Pp][Aa][Ss][Ss](?:[Ww][Oo][Rr][Dd]|[Ww][Dd])|[Pp][Ww][Dd])\s*=\s*[^\s;'"]+`,
    String.raw`\bsk-[A-Za-z0-9_-]{16,}`,
    String.raw`\b(?:ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}`,
    String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,}`,
    String.raw`\bAKIA[0-9A-Z]{16}\b`,
    String.raw`\bAIza[0-9A-Za-z_-]{30,}`,
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`,
    String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----`
  ].join('|'),
  'g'
);
const LONG_TOKEN = /[A-Za-z0-9+/=_-]{32,}/g;
/** A whole PEM private key block (the inspector's rule sees its first line; code holds all of it). */
const PEM_BLOCK =
  /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g;
/** The inspector's `_SECRET_NAME`. */
const SECRET_NAME = /key|token|secret|passw|credential|auth|dsn|conn_?str/i;
/** Names that match it but name no secret in code (a join key, an author, a tokenizer). */
const NOT_SECRET_NAME =
  /^(?:\w*_)?(?:sort|join|group|partition|primary|foreign|merge|index|order|lookup|dedup|natural|surrogate|composite|cluster|bucket|hash|dict|cache|map|row|unique|business|match|key)_?(?:key|keys|col|cols|column|columns)$|author|tokeni[sz]|keyword/i;

/** The placeholder shown instead of a secret of `n` characters. */
export function redactedText(n: number): string {
  return `<redacted, ${n} chars>`;
}

const PLACEHOLDER = /<redacted, \d+ chars>/g;

/** The inspector's `_random_token`: a long mixed-case alphanumeric run of high entropy (a key, not a word or a hash). */
export function randomToken(token: string): boolean {
  if (
    token.split('/').length - 1 > 2 ||
    !/[0-9]/.test(token) ||
    !/[a-z]/.test(token) ||
    !/[A-Z]/.test(token)
  ) {
    return false;
  }
  const n = token.length;
  const kind = (c: string) =>
    /[0-9]/.test(c) ? 'd' : /[a-z]/.test(c) ? 'l' : /[A-Z]/.test(c) ? 'u' : 'o';
  let switches = 0;
  for (let i = 1; i < n; i++) {
    if (kind(token[i]) !== kind(token[i - 1])) {
      switches++;
    }
  }
  if (switches < 0.45 * n) {
    return false;
  }
  const counts = new Map<string, number>();
  for (const c of token) {
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let entropy = 0;
  for (const k of counts.values()) {
    entropy -= (k / n) * Math.log2(k / n);
  }
  return entropy >= 4.0;
}

/** The inspector's `_secret_name`, for names in code (with the common non-secret names let through). */
export function secretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name);
}

/** Text with each secret-looking part replaced by `<redacted, N chars>` (the inspector's `_mask_secrets`). */
export function maskSecrets(text: string): string {
  if (text.length < 8) {
    return text;
  }
  const masked = text.replace(SECRET_TEXT, m => redactedText(m.length));
  return masked.replace(LONG_TOKEN, m =>
    randomToken(m) ? redactedText(m.length) : m
  );
}

/** A string literal after its prefix (its quote is group `g`): one-line, or triple-quoted. */
function literal(g: number, triple: boolean): string {
  const quote = '\\' + g;
  return triple
    ? String.raw`[rRbBuU]{0,2}("""|''')([^]*?)` + quote
    : String.raw`[rRbBuU]{0,2}(["'])((?:\\.|(?!` +
        quote +
        String.raw`)[^\\\n])*)` +
        quote;
}
/** `name = "…"`, `name: str = "…"`, `name="…"` (a keyword argument), `obj.name = "…"`. */
const ASSIGNED = [false, true].map(
  triple =>
    new RegExp(
      String.raw`([A-Za-z_]\w*)\s*(?::[\w\[\]., |]{1,40})?(?<![=!<>])=(?!=)\s*` +
        literal(2, triple),
      'g'
    )
);
/** `"name": "…"` in a dict or JSON, and `["name"] = "…"`. */
const MAPPED = [false, true].map(
  triple =>
    new RegExp(
      String.raw`(["'])([^"'\n]{1,80})\1\s*(?::|\]\s*=)\s*` +
        literal(3, triple),
      'g'
    )
);

/** The literal's quotes kept, its body masked when `secret`. */
function maskBody(
  match: string,
  body: string,
  quote: string,
  secret: boolean
): string {
  if (!secret || !body || PLACEHOLDER.test(body)) {
    PLACEHOLDER.lastIndex = 0;
    return match;
  }
  const end = match.lastIndexOf(quote);
  const start = end - body.length;
  return match.slice(0, start) + redactedText(body.length) + match.slice(end);
}

/**
 * Code (or any text holding code) with secrets masked: PEM blocks, string
 * literals assigned, passed or mapped to secret-looking names, then every
 * secret-looking part (`maskSecrets`).
 */
export function maskSecretsInCode(code: string): string {
  if (code.length < 8) {
    return code;
  }
  let out = code.replace(PEM_BLOCK, m => redactedText(m.length));
  for (const pattern of ASSIGNED) {
    out = out.replace(
      pattern,
      (match, name: string, quote: string, body: string) =>
        maskBody(match, body, quote, secretName(name))
    );
  }
  for (const pattern of MAPPED) {
    out = out.replace(
      pattern,
      (match, _q, name: string, quote: string, body: string) =>
        maskBody(match, body, quote, secretName(name))
    );
  }
  return maskSecrets(out);
}

/**
 * `written` (text the model wrote after reading `original` masked) with each
 * `<redacted, N chars>` it kept from that view replaced by the original text
 * it stood for, in order; placeholders `original` did not mask stay as they are.
 */
export function restoreMasked(written: string, original: string): string {
  if (!PLACEHOLDER.test(written)) {
    PLACEHOLDER.lastIndex = 0;
    return written;
  }
  PLACEHOLDER.lastIndex = 0;
  const secrets = maskedParts(original);
  const used = new Set<number>();
  return written.replace(PLACEHOLDER, placeholder => {
    const index = secrets.findIndex(
      (s, i) => !used.has(i) && redactedText(s.length) === placeholder
    );
    if (index < 0) {
      return placeholder;
    }
    used.add(index);
    return secrets[index];
  });
}

/** The parts of `original` that `maskSecretsInCode` masks, in order. */
function maskedParts(original: string): string[] {
  const masked = maskSecretsInCode(original);
  const parts: string[] = [];
  // Walk both texts: equal stretches are skipped, each placeholder stands for the original's next part.
  let i = 0;
  let j = 0;
  const placeholder = /<redacted, (\d+) chars>/y;
  while (i < masked.length && j < original.length) {
    placeholder.lastIndex = i;
    const hit = placeholder.exec(masked);
    if (hit && !original.startsWith(hit[0], j)) {
      const n = Number(hit[1]);
      parts.push(original.slice(j, j + n));
      i += hit[0].length;
      j += n;
      continue;
    }
    i++;
    j++;
  }
  return parts;
}
