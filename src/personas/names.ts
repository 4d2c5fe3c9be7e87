/** Words shown upper-case when a display name is made from an id. */
const ACRONYMS = new Set([
  'ai',
  'api',
  'bi',
  'cd',
  'ci',
  'dba',
  'etl',
  'elt',
  'ml',
  'qa',
  'sql',
  'ui',
  'ux'
]);

/** Turn a display name into an id: "Business Analyst" -> "business-analyst". */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Default display name of an id: "data-engineer" -> "Data Engineer", "api-engineer" -> "API Engineer". */
export function titleFromId(id: string): string {
  return id
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map(word =>
      ACRONYMS.has(word.toLowerCase())
        ? word.toUpperCase()
        : word.charAt(0).toUpperCase() + word.slice(1)
    )
    .join(' ');
}

/** The persona id of a file: `x.chatmode.md`, `x.agent.md`, `x.md` -> `x`; null if not markdown. */
export function personaIdFromFileName(fileName: string): string | null {
  const base = fileName.split('/').pop() ?? '';
  const match = /^(.*?)(?:\.chatmode|\.agent)?\.md$/i.exec(base);
  if (!match) {
    return null;
  }
  const id = slugify(match[1]);
  return id || null;
}
