/**
 * Volatile parts of cell output text (issue 29): what changes between two runs of the same
 * code without the result changing. Each mask has a description a card can list; the
 * comparison applies them in this order and reports which ones matched.
 */

export interface IOutputMask {
  /** Stable id, for reports and tests. */
  readonly id: string;
  /** What it hides, in words a user reads on the card. */
  readonly description: string;
  /** Matches the volatile text (global). */
  readonly pattern: RegExp;
  /** What the match is replaced with before comparing. */
  readonly replacement: string;
}

export const OUTPUT_MASKS: readonly IOutputMask[] = [
  {
    id: 'uuid',
    description:
      'random ids (UUIDs such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427)',
    pattern:
      /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi,
    replacement: '<uuid>'
  },
  {
    id: 'memory-address',
    description: 'memory addresses (0x7f3a2c1b5e80 in object reprs)',
    pattern: /\b0x[0-9a-f]{6,16}\b/gi,
    replacement: '0x<address>'
  },
  {
    id: 'hex-id',
    description:
      'random hexadecimal ids of 16 digits or more (uuid4().hex, tokens)',
    pattern: /\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{16,}\b/gi,
    replacement: '<hex-id>'
  },
  {
    id: 'timestamp',
    description:
      'timestamps with a time of day (2024-05-01 12:03:44.123, 2024-05-01T12:03:44Z)',
    pattern:
      /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g,
    replacement: '<timestamp>'
  },
  {
    id: 'clock-time',
    description: 'times of day (12:03:44, 12:03:44.123)',
    pattern: /\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g,
    replacement: '<time>'
  },
  {
    id: 'progress',
    description: 'progress-bar rates and clocks (9.5it/s, [00:01<00:02])',
    pattern:
      /\d+(?:\.\d+)?\s?(?:it\/s|s\/it)|\d{1,2}:\d{2}(?::\d{2})?<\d{1,2}:\d{2}(?::\d{2})?|\?it\/s/g,
    replacement: '<progress>'
  },
  {
    id: 'duration',
    description: 'durations (12.3 s, 1.2ms, 450 µs, 3 min)',
    pattern:
      /\b\d+(?:\.\d+)?\s?(?:ns|µs|μs|us|ms|s|sec|secs|seconds?|min|mins|minutes?)(?![\w])/g,
    replacement: '<duration>'
  },
  {
    id: 'temp-path',
    description: 'temporary paths (/tmp/tmpab12cd34)',
    pattern: /\/tmp\/[\w.-]+/g,
    replacement: '/tmp/<temp>'
  }
];

/** Applies the masks; `used` collects the ids of those that matched. */
export function maskText(
  text: string,
  used?: Set<string>,
  masks: readonly IOutputMask[] = OUTPUT_MASKS
): string {
  let out = text;
  for (const mask of masks) {
    const next = out.replace(mask.pattern, mask.replacement);
    if (next !== out) {
      used?.add(mask.id);
      out = next;
    }
  }
  return out;
}
