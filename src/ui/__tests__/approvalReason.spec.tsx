// The approval card's reason says where it comes from: only a destructive-code check
// reads "this looks destructive"; run_query's budget reason is shown as it is.
import '../../notebook/__tests__/jupyterlabMocks';
import '@testing-library/jest-dom';
import { render } from '@testing-library/react';
import { toolCard } from '../../__tests__/toolCardFixture';
import { ApprovalPolicy } from '../../agent/approval';
import type { IToolCall } from '../../chats/conversation';
import { createKernelTools } from '../../kernel/tools';
import { runQueryTool } from '../../query/tools';
import type { ITool } from '../../tools/types';

/** The card of a call waiting on the policy's decision, and its reason line. */
function reasonLine(tool: ITool, input: unknown, context?: any): string {
  const decision = new ApprovalPolicy(() => ({})).decide(
    tool,
    input,
    [],
    context
  );
  expect(decision.mode).toBe('ask');
  const call: IToolCall = {
    id: 't1',
    name: tool.name,
    input,
    state: 'waiting_approval',
    approvalReason: decision.reason,
    approvalReasonKind: decision.reasonKind
  };
  const { container } = render(toolCard(call));
  return (
    container.querySelector('.jp-DataEngineer-approvalReason')?.textContent ??
    ''
  );
}

describe('the approval reason', () => {
  it('run_query over budget: the budget\'s reason, not "looks destructive"', () => {
    const line = reasonLine(
      runQueryTool(),
      { sql: 'SELECT * FROM lineitem' },
      {
        binding: {
          estimate: {
            rows: 6000000,
            bytes: 720000000,
            known: true,
            within_budget: false,
            budget_note: 'Over budget: about 6,000,000 rows.'
          },
          budget: { rows: 1000000, bytes: 268435456 },
          ask: false
        }
      }
    );
    expect(line).toMatch(
      /^Asking because: Over budget: about 6,000,000 rows\./
    );
    expect(line).not.toContain('destructive');
  });

  it('run_scratch with destructive code keeps the destructive wording', () => {
    const scratch = createKernelTools().find(t => t.name === 'run_scratch')!;
    const line = reasonLine(scratch, {
      code: "import shutil\nshutil.rmtree('data')"
    });
    expect(line).toMatch(/^Asking because this looks destructive: /);
  });

  it('a failed safety check is not called destructive', () => {
    const tool: ITool = {
      name: 'probe',
      description: 'd',
      inputSchema: { type: 'object', properties: {} },
      effect: 'execute',
      defaultApproval: 'auto',
      riskKind: 'destructive',
      riskOf: () => {
        throw new Error('no parser');
      },
      describe: () => 'probe',
      run: async () => ({ content: '' })
    };
    const line = reasonLine(tool, {});
    expect(line).toMatch(
      /^Asking because: The safety check of this call failed/
    );
  });
});
