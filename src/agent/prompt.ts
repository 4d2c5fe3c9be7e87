import type {
  ContentBlockParam,
  MessageParam,
  TextBlockParam
} from '@anthropic-ai/sdk/resources/messages';
import type { IInstructionFile } from '../instructions/instructions';

/**
 * Used when no persona could be loaded at all: short and stable, so that it
 * can be cached like a persona.
 */
export const DEFAULT_SYSTEM_PROMPT = `You are a senior data engineer working with the user inside JupyterLab.
You help with pandas, polars, DuckDB, Spark and SQL, ETL pipelines, data modelling and query performance.
Answer concisely in Markdown. Put code in fenced blocks with a language tag so the user can insert it into a notebook cell.`;

/** Facts about where the assistant runs; identical for every request. */
export const ENVIRONMENT_NOTE = `## Where you are working
You are the assistant of the jupyterlab-data-engineer extension, in a chat panel beside the user's JupyterLab notebooks. Code blocks in your replies can be copied, inserted below the active cell or replace it with one click, so give each its own fenced block with a language tag. Never say a query rewrite returns the same rows or is faster unless verify_query_rewrite said so; report its verdict as given. The user's project instructions, when the project has any, follow this section; they take precedence over general preferences.`;

/** What a system prompt is made of, in order. */
export interface IPromptParts {
  /** The persona's markdown body (without front matter). */
  personaBody: string | null;
  instructions: IInstructionFile[];
  /** True when the project has no copilot.instructions.md. */
  missingProjectFile?: boolean;
  /** Volatile context (notebook view, variables): after the cached prefix. */
  context?: string | null;
}

/** The heading and text of one instruction file, as the model sees it. */
export function formatInstructions(file: IInstructionFile): string {
  const folder =
    file.kind === 'agents' && file.path.includes('/')
      ? file.path.slice(0, file.path.lastIndexOf('/') + 1)
      : '';
  const scope = file.applyTo
    ? ` (applies to \`${file.applyTo}\`)`
    : folder
      ? ` (applies to files under \`${folder}\`)`
      : '';
  const notice = file.notice ? `\n\n_Note: ${file.notice}._` : '';
  return `# Project instructions from \`${file.path}\`${scope}\n\n${file.text}${notice}`;
}

/**
 * The system prompt: persona, then instructions, then context. The stable
 * part (persona + instructions) ends with a prompt-cache breakpoint and is
 * byte-identical from turn to turn while its inputs are unchanged; the
 * context, which changes every turn, comes after the breakpoint.
 */
export function buildSystemPrompt(parts: IPromptParts): TextBlockParam[] {
  const persona = (parts.personaBody ?? '').trim() || DEFAULT_SYSTEM_PROMPT;
  const blocks: TextBlockParam[] = [
    { type: 'text', text: `${persona}\n\n${ENVIRONMENT_NOTE}` }
  ];
  if (parts.instructions.length) {
    blocks.push({
      type: 'text',
      text: parts.instructions.map(formatInstructions).join('\n\n---\n\n')
    });
  } else if (parts.missingProjectFile) {
    blocks.push({
      type: 'text',
      text: "# Project instructions\n\nThis project has no `copilot.instructions.md` at the Jupyter server root yet. Work from what the user tells you, and when the project's databases, domain, scale or compliance rules matter, suggest creating that file (the chat panel offers a template)."
    });
  }
  blocks[blocks.length - 1] = {
    ...blocks[blocks.length - 1],
    cache_control: { type: 'ephemeral' }
  };
  const context = (parts.context ?? '').trim();
  if (context) {
    blocks.push({ type: 'text', text: context });
  }
  return blocks;
}

/**
 * The conversation's messages with prompt-cache breakpoints on the last
 * block of the last two user messages: the last one caches the whole
 * conversation for the next request, the one before matches the breakpoint
 * of the previous request, so its cached prefix is found again even when a
 * turn added many tool blocks. With the system prompt's breakpoint that makes
 * three of the four the API allows. Call it before the volatile context is
 * appended (that must stay after the breakpoint). Blocks are copied, never
 * changed in place.
 */
export function withCacheBreakpoints(
  messages: MessageParam[],
  count = 2
): MessageParam[] {
  const out = messages.slice();
  let placed = 0;
  for (let i = out.length - 1; i >= 0 && placed < count; i--) {
    const message = out[i];
    if (message.role !== 'user') {
      continue;
    }
    const content: ContentBlockParam[] =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : [...message.content];
    const index = lastCacheableIndex(content);
    if (index < 0) {
      continue;
    }
    content[index] = {
      ...content[index],
      cache_control: { type: 'ephemeral' }
    } as ContentBlockParam;
    out[i] = { ...message, content };
    placed += 1;
  }
  return out;
}

/** The last block that can carry cache_control (not an empty text block). */
function lastCacheableIndex(content: ContentBlockParam[]): number {
  for (let i = content.length - 1; i >= 0; i--) {
    const block = content[i];
    if (block.type === 'text' && !block.text) {
      continue;
    }
    if (
      block.type === 'text' ||
      block.type === 'tool_result' ||
      block.type === 'image' ||
      block.type === 'document' ||
      block.type === 'tool_use'
    ) {
      return i;
    }
  }
  return -1;
}
