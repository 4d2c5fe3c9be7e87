import type { ApprovalMode, ITool, IToolContext } from '../tools/types';

/** What the policy decided for one call. */
export interface IApprovalDecision {
  /** auto: run; ask: the user decides; never: refused without asking. */
  mode: ApprovalMode;
  /** Why the user is asked despite an `auto` setting (a risky input). */
  reason?: string;
  /** Where `reason` comes from: the tool's `riskKind` ('destructive'), else unset. */
  reasonKind?: 'destructive';
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
 * setting (else the tool's default), the chat's "allow for this chat" grants
 * (kept by the `ChatModel`), and the rule that risky inputs (DROP TABLE,
 * rm -rf…) always ask. A risk check that throws asks too (fails closed).
 */
export class ApprovalPolicy {
  constructor(settings: () => Record<string, ApprovalMode | undefined>) {
    this._settings = settings;
  }

  decide(
    tool: ITool,
    input: unknown,
    grants: ReadonlyArray<string> = [],
    context?: IToolContext
  ): IApprovalDecision {
    const setting = this._settings()[tool.name];
    const mode: ApprovalMode =
      setting === 'auto' || setting === 'ask' || setting === 'never'
        ? setting
        : tool.defaultApproval;
    if (mode === 'never') {
      return { mode: 'never' };
    }
    let rule: { mode: ApprovalMode; reason?: string } | null = null;
    try {
      rule = tool.approvalOf ? tool.approvalOf(input) : null;
    } catch {
      rule = null; // no rule: the setting decides (and risk still asks)
    }
    if (rule?.mode === 'never') {
      return { mode: 'never', reason: rule.reason };
    }
    let risk: string | null = null;
    let failed = false;
    try {
      risk = tool.riskOf ? tool.riskOf(input, context) : null;
    } catch (error) {
      failed = true;
      risk = `The safety check of this call failed (${error instanceof Error ? error.message : String(error)}), so it needs your approval.`;
    }
    if (risk) {
      // A failed check is not a finding: only the check's own reasons carry its kind.
      return !failed && tool.riskKind
        ? { mode: 'ask', reason: risk, reasonKind: tool.riskKind }
        : { mode: 'ask', reason: risk };
    }
    if (grants.includes(tool.name)) {
      return { mode: 'auto', byChat: true };
    }
    if (rule?.mode === 'auto') {
      return { mode: 'auto' };
    }
    return { mode };
  }

  private _settings: () => Record<string, ApprovalMode | undefined>;
}
