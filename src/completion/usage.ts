import { Token } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';
import type { IUsage } from '../chats/conversation';

/**
 * Token use of inline completions in this browser tab, kept apart from the
 * chats' (a completion is not part of any chat). The chat's usage view shows
 * it as its own row. One instance per page, provided by the inline completion
 * plugin as `ICompletionUsage`.
 */
export class CompletionUsage {
  /** A completion request reported its usage. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Requests sent, including aborted ones (they may still be billed for input). */
  requests = 0;

  /** Requests aborted by the next keystroke before they finished. */
  aborted = 0;

  add(usage: Partial<IUsage> | null | undefined, model: string): void {
    if (usage) {
      const full: IUsage = {
        input_tokens: usage.input_tokens ?? 0,
        output_tokens: usage.output_tokens ?? 0,
        cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
        cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0
      };
      this._usages.push({ usage: full, model });
    }
    this._changed.emit();
  }

  noteRequest(): void {
    this.requests++;
    this._changed.emit();
  }

  noteAborted(): void {
    this.aborted++;
    this._changed.emit();
  }

  /**
   * Each completion's usage with its model, in order. Pricing them is the
   * chat's (`usageTotals` in agent/usage.ts): this class is in JupyterLab's
   * start-up bundle, the price table is not.
   */
  get usages(): ReadonlyArray<{ usage: IUsage; model: string }> {
    return this._usages;
  }

  private _usages: { usage: IUsage; model: string }[] = [];
  private _changed = new Signal<this, void>(this);
}

/** The page's inline completion usage (absent when the completion plugin is disabled). */
export const ICompletionUsage = new Token<CompletionUsage>(
  'jupyterlab-data-engineer:ICompletionUsage',
  'Inline completion token use.'
);
