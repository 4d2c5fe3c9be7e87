import type { ApprovalMode, ITool } from '../tools/types';

/** What the policy decided for one call. */
export interface IApprovalDecision {
  /** auto: run; ask: the user decides; never: refused without asking. */
  mode: ApprovalMode;
  /** Why the user is asked despite an `auto` setting (a risky input). */
  reason?: string;
  /** The call is allowed because the user allowed the tool for this chat. */
  byChat?: boolean;
}

/** The user's answer on an approval card. */
export type ApprovalAnswer =
  | { kind: 'allow_once' }
  | { kind: 'allow_chat' }
  | { kind: 'deny'; reason?: string };

/**
 * Decides, per tool call, whether to run, ask or refuse: the user's per-tool
 * setting (else the tool's default), "allow for this chat" grants, and the
 * rule that risky inputs (DROP TABLE, rm -rf…) always ask.
 */
export class ApprovalPolicy {
  constructor(settings: () => Record<string, ApprovalMode | undefined>) {
    this._settings = settings;
  }

  decide(tool: ITool, input: unknown): IApprovalDecision {
    const setting = this._settings()[tool.name];
    const mode: ApprovalMode =
      setting === 'auto' || setting === 'ask' || setting === 'never' ? setting : tool.defaultApproval;
    if (mode === 'never') {
      return { mode: 'never' };
    }
    let risk: string | null = null;
    try {
      risk = tool.riskOf ? tool.riskOf(input) : null;
    } catch (error) {
      risk = null;
    }
    if (risk) {
      return { mode: 'ask', reason: risk };
    }
    if (this._chatGrants.has(tool.name)) {
      return { mode: 'auto', byChat: true };
    }
    return { mode };
  }

  /** Remember "Allow for this chat". */
  grantForChat(toolName: string): void {
    this._chatGrants.add(toolName);
  }

  /** The tools allowed for this chat (to persist with the chat). */
  get chatGrants(): string[] {
    return [...this._chatGrants].sort();
  }

  /** Forget every grant (new chat). */
  reset(grants: string[] = []): void {
    this._chatGrants = new Set(grants);
  }

  private _settings: () => Record<string, ApprovalMode | undefined>;
  private _chatGrants = new Set<string>();
}
