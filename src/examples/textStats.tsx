import * as React from 'react';
import type { IResultViewProps, ITool, IToolFamilyContents } from '../tokens';

/** What the tool saves in `IToolResult.data` (under its own key) for its view. */
interface ITextStats {
  lines: number;
  words: number;
  characters: number;
}

/** Counts lines, words and characters of a text: read-only, so it runs without a card. */
const textStatsTool: ITool<{ text: string }> = {
  name: 'example_text_stats',
  group: 'notebook-read',
  description:
    'Example tool from another extension: count the lines, words and characters of a text.',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string', description: 'The text to count' } },
    required: ['text'],
    additionalProperties: false
  },
  effect: 'read',
  defaultApproval: 'auto',
  describe: input =>
    `Count the words of a ${String(input?.text ?? '').length}-character text`,
  async run(input) {
    const text = input.text;
    const stats: ITextStats = {
      lines: text ? text.split('\n').length : 0,
      words: text.split(/\s+/).filter(Boolean).length,
      characters: text.length
    };
    return {
      content: `${stats.lines} lines, ${stats.words} words, ${stats.characters} characters.`,
      data: { exampleTextStats: stats }
    };
  }
};

/** The tool card's view of the result. */
function TextStatsView(props: IResultViewProps): JSX.Element {
  const stats = props.call.result!.data!.exampleTextStats as ITextStats;
  return (
    <div className="jp-DataEngineer-exampleTextStats">
      {props.trans.__(
        '%1 words in %2 lines',
        String(stats.words),
        String(stats.lines)
      )}
    </div>
  );
}

/** The family: one tool and its view. */
export function textStatsFamily(): IToolFamilyContents {
  return {
    tools: [textStatsTool],
    resultViews: [
      {
        id: 'example-text-stats',
        matches: call => !!call.result?.data?.exampleTextStats,
        component: TextStatsView
      }
    ]
  };
}
