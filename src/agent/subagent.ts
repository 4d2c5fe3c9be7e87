import type { TranslationBundle } from '@jupyterlab/translation';
import type Anthropic from '@anthropic-ai/sdk';
import { ISignal, Signal } from '@lumino/signaling';
import { slugify } from '../personas/names';
import { isForCodingAgent, IPersona } from '../personas/persona';
import { toolsOfPersona } from '../personas/personaTools';
import { SUBAGENT_TOOL } from '../personas/toolMapping';
import { ToolRegistry } from '../tools/registry';
import { framedResult } from '../tools/results';
import type { ITool, IToolContext, IToolResult } from '../tools/types';
import type { ApprovalPolicy } from './approval';
import { ChatModel } from '../chats/chatModel';
import { ChatSession, IRequestSettings } from './chatSession';
import type { IAssistantTurn, IToolCall } from '../chats/conversation';

export { SUBAGENT_TOOL };

/** Finds personas; PersonaRegistry is one. */
export interface ISubagentPersonas {
  get(id: string): IPersona | undefined;
  all(): IPersona[];
}

/** What a subagent run needs from the assistant that starts it. */
export interface ISubagentHost {
  personas: ISubagentPersonas;
  client: () => Anthropic | Promise<Anthropic>;
  /** Every tool of the extension; a subagent gets its persona's share. */
  registry: ToolRegistry;
  approval: ApprovalPolicy;
  toolServices?: () => Record<string, unknown>;
  maxSteps: () => number;
  /** The persona delegating now (the parent chat's). */
  parent(): IPersona | null;
  /** The parent chat: its "allow for this chat" grants hold in the subagent too, and grow with it. */
  parentChat(): ChatModel;
  /** Model, limits and system prompt for a request of `persona` running as a subagent. */
  prepare(
    persona: IPersona,
    step: number,
    tools: ITool[]
  ): Promise<IRequestSettings>;
  trans?: TranslationBundle;
}

/** A subagent run in progress (or just finished), keyed by the parent's tool call id. */
export interface ISubagentRun {
  callId: string;
  persona: IPersona;
  /** The subagent's own conversation (never saved as a chat). */
  model: ChatModel;
  session: ChatSession;
}

/** One tool call of a subagent, as saved in the parent's tool result. */
export interface ISubagentCallRecord {
  name: string;
  state: IToolCall['state'];
  summary?: string;
}

/** What a finished run leaves in the parent's tool result (`data.subagent`). */
export interface ISubagentRecord {
  persona: string;
  personaName: string;
  status: 'done' | 'stopped' | 'error';
  calls: ISubagentCallRecord[];
  answer: string;
}

/** The live subagent runs of one assistant, for the cards in the parent chat. */
export class SubagentRuns {
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  get(callId: string): ISubagentRun | undefined {
    return this._runs.get(callId);
  }

  add(run: ISubagentRun): void {
    this._runs.set(run.callId, run);
    this._changed.emit(run.callId);
  }

  /** Stop every running subagent (the parent's Stop reaches them through the tool signal too). */
  stopAll(): void {
    this._runs.forEach(run => run.session.stop());
  }

  private _runs = new Map<string, ISubagentRun>();
  private _changed = new Signal<this, string>(this);
}

/**
 * The personas `parent` may delegate to: its `agents:` list (all when absent),
 * never itself, never one with `disable-model-invocation: true`, never a file
 * for GitHub's coding agent.
 */
export function delegationTargets(
  parent: IPersona | null,
  personas: ISubagentPersonas
): IPersona[] {
  if (!parent) {
    return [];
  }
  const allowed = parent.agents ?? null;
  return personas
    .all()
    .filter(
      persona =>
        persona.id !== parent.id &&
        persona.disableModelInvocation !== true &&
        !isForCodingAgent(persona) &&
        (allowed === null || allowed.includes(persona.id))
    );
}

const BASE_DESCRIPTION =
  'Delegate a task to another persona, which works on it alone with its own instructions and tools ' +
  'and returns only its final answer. Give it everything it needs in `task`: it does not see this conversation. ' +
  'Use it for a focused piece of work another persona is better at (a security review, a deployment plan).';

/** The subagent tool as offered to `parent`: the targets listed, and as the only values of `agent`. */
export function subagentToolFor(
  tool: ITool,
  parent: IPersona | null,
  personas: ISubagentPersonas
): ITool | null {
  const targets = delegationTargets(parent, personas);
  if (!targets.length) {
    return null;
  }
  const listed = targets.slice(0, MAX_LISTED_PERSONAS);
  const rest = targets.length - listed.length;
  const list =
    listed.map(personaLine).join('\n') +
    (rest
      ? `\n…and ${rest} more: call with agent "${LIST_PERSONAS}" (and any task) for the full list.`
      : '');
  return {
    ...tool,
    description: `${BASE_DESCRIPTION}\n\nPersonas you can delegate to:\n${list}`,
    inputSchema: {
      ...tool.inputSchema,
      properties: {
        ...tool.inputSchema.properties,
        agent: rest
          ? {
              type: 'string',
              description: `Id of the persona to delegate to ("${LIST_PERSONAS}" lists them all)`
            }
          : {
              type: 'string',
              enum: targets.map(p => p.id),
              description: 'Id of the persona to delegate to'
            }
      }
    }
  };
}

/**
 * At most this many personas are listed in the subagent tool's description
 * (a workspace may hold hundreds); the rest are listed on request.
 */
export const MAX_LISTED_PERSONAS = 20;
/** The `agent` value that asks for the full list of personas. */
export const LIST_PERSONAS = '?';
/** The full list answers with at most this many. */
const MAX_LIST_ON_REQUEST = 300;

/** "- id: Name — the description's first line" (cut at 120 characters). */
export function personaLine(persona: IPersona): string {
  const first = (persona.description ?? '').split('\n')[0].trim();
  const line = first.length > 120 ? `${first.slice(0, 119)}…` : first;
  return `- ${persona.id}: ${persona.name}${line ? ` — ${line}` : ''}`;
}

function failure(content: string): IToolResult {
  return { content, isError: true };
}

/** The text of a finished reply (its text blocks). */
function textOf(turn: IAssistantTurn | undefined): string {
  return (turn?.blocks ?? [])
    .filter(
      (block): block is { type: 'text'; text: string } => block.type === 'text'
    )
    .map(block => block.text)
    .join('\n\n')
    .trim();
}

/** The subagent's tool calls, for the saved card. */
function callsOf(model: ChatModel): ISubagentCallRecord[] {
  const calls: ISubagentCallRecord[] = [];
  for (const turn of model.turns) {
    if (turn.role !== 'assistant') {
      continue;
    }
    for (const block of turn.blocks) {
      if (block.type === 'tool') {
        calls.push({
          name: block.call.name,
          state: block.call.state,
          summary: block.call.preview?.summary
        });
      }
    }
  }
  return calls;
}

/**
 * The `run_subagent` tool: runs another persona's loop in a ChatSession of its
 * own (a ChatModel that is never saved as a chat), with that persona's tools
 * only (its registry holds nothing else, so it cannot delegate further: depth
 * limit 1), the same approval policy (its approval cards show in the parent's
 * card), and the parent's Stop. Only the subagent's final answer goes back.
 */
export function createSubagentTool(
  host: ISubagentHost,
  runs: SubagentRuns
): ITool<{ agent: string; task: string }> {
  return {
    name: SUBAGENT_TOOL,
    description: BASE_DESCRIPTION,
    inputSchema: {
      type: 'object',
      properties: {
        agent: {
          type: 'string',
          description: 'Id of the persona to delegate to'
        },
        task: {
          type: 'string',
          description: 'The whole task, with the context the persona needs'
        }
      },
      required: ['agent', 'task'],
      additionalProperties: false
    },
    // It reads nothing itself; each of the subagent's own tools goes through approval.
    effect: 'read',
    defaultApproval: 'auto',
    describe: input =>
      `Ask ${host.personas.get(slugify(input.agent ?? ''))?.name ?? input.agent ?? 'a persona'}`,
    async run(input, context: IToolContext): Promise<IToolResult> {
      if (context.services.subagent === true) {
        return failure(
          'A subagent cannot start another subagent (the depth limit is 1).'
        );
      }
      const parent = host.parent();
      const targets = delegationTargets(parent, host.personas);
      if ((input.agent ?? '').trim() === LIST_PERSONAS) {
        const shown = targets.slice(0, MAX_LIST_ON_REQUEST);
        const more = targets.length - shown.length;
        return {
          content:
            `Personas you can delegate to (${targets.length}):\n` +
            shown.map(personaLine).join('\n') +
            (more ? `\n…and ${more} more.` : '')
        };
      }
      const id = slugify(input.agent);
      const target = targets.find(persona => persona.id === id);
      if (!target) {
        const known = host.personas.get(id);
        const why = !known
          ? `there is no persona "${input.agent}"`
          : known.disableModelInvocation
            ? `${known.name} is never run as a subagent (disable-model-invocation)`
            : `${parent?.name ?? 'this persona'} may not delegate to ${known.name}`;
        const list =
          targets
            .slice(0, MAX_LIST_ON_REQUEST)
            .map(p => p.id)
            .join(', ') || 'none';
        return failure(
          `Cannot delegate: ${why}. Personas you can delegate to: ${list}.`
        );
      }
      if (!input.task.trim()) {
        return failure(
          'Cannot delegate an empty task: describe what the persona should do.'
        );
      }
      const tools = toolsOfPersona(host.registry, target, { subagent: true });
      const parentChat = host.parentChat();
      const model = new ChatModel({
        personaId: target.id,
        grants: parentChat.grants
      });
      const session = new ChatSession({
        model,
        client: host.client,
        settings: step => host.prepare(target, step, tools),
        registry: new ToolRegistry(tools),
        approval: host.approval,
        toolServices: () => ({
          ...(host.toolServices?.() ?? {}),
          subagent: true
        }),
        maxSteps: host.maxSteps,
        trans: host.trans
      });
      const callId = context.callId ?? `subagent-${Date.now()}`;
      runs.add({ callId, persona: target, model, session });
      const onAbort = () => session.stop();
      context.signal.addEventListener('abort', onAbort, { once: true });
      try {
        if (!context.signal.aborted) {
          await session.send(input.task);
        }
      } finally {
        context.signal.removeEventListener('abort', onAbort);
      }
      // "Allow for this chat" inside the card allows the tool for the parent chat.
      model.grants.forEach(tool => parentChat.grant(tool));
      const last =
        model.last?.role === 'assistant'
          ? (model.last as IAssistantTurn)
          : undefined;
      const answer = textOf(last);
      const status: ISubagentRecord['status'] =
        context.signal.aborted || last?.status === 'stopped'
          ? 'stopped'
          : last?.status === 'error'
            ? 'error'
            : 'done';
      const data = {
        subagent: {
          persona: target.id,
          personaName: target.name,
          status,
          calls: callsOf(model),
          answer
        }
      };
      if (status === 'stopped') {
        return {
          content: `${target.name} was stopped by the user before finishing.`,
          isError: true,
          data
        };
      }
      if (status === 'error') {
        return {
          content: `${target.name} failed: ${last?.error?.message ?? 'unknown error'}`,
          isError: true,
          data
        };
      }
      // The subagent read files, outputs and tool results that may carry
      // instructions; its answer reaches this persona as data.
      return {
        content: answer
          ? framedResult(
              `${target.name} finished. Its answer:`,
              `run_subagent ${target.id}`,
              answer
            )
          : `${target.name} finished without an answer.`,
        data
      };
    }
  };
}
