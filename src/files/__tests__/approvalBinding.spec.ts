/** @jest-environment node */
// The agent loop (real SDK stream parser) with the real file tools over the fake contents service.
import Anthropic from '@anthropic-ai/sdk';
import { ApprovalPolicy } from '../../agent/approval';
import { ChatModel } from '../../chats/chatModel';
import { ChatSession } from '../../agent/chatSession';
import { FILES_SERVICE } from '..';
import { ToolRegistry } from '../../tools/registry';
import type { ApprovalMode } from '../../tools/types';
import { fakeFetch, IFakeReply } from '../../__tests__/fakeStream';
import { ISetupOptions, setup } from './fakeContents';
import { callsOf, waiting } from '../../__tests__/chatFixtures';

/** File changes bound to what the approval card showed (issue 12, item 4). */

function sessionWith(
  replies: IFakeReply[],
  options: ISetupOptions = {},
  settings: Record<string, ApprovalMode> = {}
) {
  const files = setup(options);
  const fake = fakeFetch(replies);
  const client = new Anthropic({
    apiKey: 'test',
    baseURL: 'http://mock.local',
    fetch: fake.fetch,
    maxRetries: 0,
    dangerouslyAllowBrowser: true
  });
  const tools = [...files.tools.values()];
  const model = new ChatModel();
  const session = new ChatSession({
    model,
    client: () => client,
    settings: () => ({
      model: 'claude-test',
      maxTokens: 100,
      system: 'S',
      tools
    }),
    registry: new ToolRegistry(tools),
    approval: new ApprovalPolicy(() => settings),
    toolServices: () => ({ [FILES_SERVICE]: files.service })
  });
  return { ...files, session, model };
}

const read = (id: string, path: string) => ({
  id,
  name: 'read_file',
  input: { path }
});

describe('file changes bound to the approval card', () => {
  it('write_file is refused when the file changed on disk after the card was shown, and nothing is overwritten', async () => {
    const s = sessionWith(
      [
        { tools: [read('r', 'report.md')] },
        {
          tools: [
            {
              id: 'w',
              name: 'write_file',
              input: { path: 'report.md', content: 'mine\n' }
            }
          ]
        },
        { text: 'ok' }
      ],
      { files: { 'report.md': 'v1\n' } }
    );
    const done = s.session.send('rewrite it');
    await waiting(s.model, 1);
    expect(callsOf(s.model)[1].preview).toEqual({
      summary: 'Replace report.md',
      diff: { path: 'report.md', before: 'v1\n', after: 'mine\n' }
    });
    s.contents.put('report.md', 'v2 by the user\n');
    s.session.answerApproval('w', { kind: 'allow_once' });
    await done;
    const call = callsOf(s.model)[1];
    expect(call.state).toBe('failed');
    expect(call.result?.content).toMatch(
      /^report\.md changed on disk after the approval card was shown.*Nothing was written/
    );
    expect(s.contents.text('report.md')).toBe('v2 by the user\n');
    expect(await s.service.changeLog.changes('chat-1')).toEqual([]);
  });

  it('write_file of a new file is refused when the file appeared after the card was shown', async () => {
    const s = sessionWith([
      {
        tools: [
          {
            id: 'w',
            name: 'write_file',
            input: { path: 'new.sql', content: 'select 1;\n' }
          }
        ]
      },
      { text: 'ok' }
    ]);
    const done = s.session.send('write it');
    await waiting(s.model);
    expect(callsOf(s.model)[0].preview?.summary).toBe('Create new.sql');
    s.contents.put('new.sql', 'theirs\n');
    s.session.answerApproval('w', { kind: 'allow_once' });
    await done;
    expect(callsOf(s.model)[0].result?.content).toMatch(
      /^new\.sql was created after the approval card was shown/
    );
    expect(s.contents.text('new.sql')).toBe('theirs\n');
  });

  it('a relative path goes where the card said, even when the active notebook (and so the base folder) changed', async () => {
    const s = sessionWith(
      [
        {
          tools: [
            {
              id: 'w',
              name: 'write_file',
              input: { path: 'out/summary.md', content: '# Sum\n' }
            }
          ]
        },
        { text: 'ok' }
      ],
      {
        baseDir: 'etl'
      }
    );
    const done = s.session.send('write it');
    await waiting(s.model);
    expect(callsOf(s.model)[0].preview?.summary).toBe(
      'Create etl/out/summary.md'
    );
    s.state.baseDir = 'reports'; // the user opened a notebook in another folder
    s.session.answerApproval('w', { kind: 'allow_once' });
    await done;
    expect(callsOf(s.model)[0].state).toBe('done');
    expect(s.contents.text('etl/out/summary.md')).toBe('# Sum\n');
    expect(s.contents.exists('reports/out/summary.md')).toBe(false);
  });

  it('edit_file writes the edit the card showed, and is refused when the file went back to an older version after the card', async () => {
    const s = sessionWith(
      [
        { tools: [read('r', 'load.py')] },
        { text: 'read' },
        {
          tools: [
            {
              id: 'e',
              name: 'edit_file',
              input: {
                path: 'load.py',
                old_text: 'retries = 2',
                new_text: 'retries = 3'
              }
            }
          ]
        },
        { text: 'ok' }
      ],
      { files: { 'load.py': 'retries = 2\n' } }
    );
    await s.session.send('read load.py');
    // Between the read and the card the user adds a line: the card shows the edit on that version...
    s.contents.put('load.py', 'retries = 2\ntimeout = 60\n');
    const done = s.session.send('three retries');
    await waiting(s.model, 1);
    expect(callsOf(s.model)[1].preview?.diff).toEqual({
      path: 'load.py',
      before: 'retries = 2\ntimeout = 60\n',
      after: 'retries = 3\ntimeout = 60\n'
    });
    // ...then undoes it: the file is again the version the assistant read, but not the one the card showed.
    s.contents.put('load.py', 'retries = 2\n');
    s.session.answerApproval('e', { kind: 'allow_once' });
    await done;
    expect(callsOf(s.model)[1].result?.content).toMatch(
      /^load\.py changed on disk after the approval card was shown/
    );
    expect(s.contents.text('load.py')).toBe('retries = 2\n');
  });

  it('edit_file on an unchanged file writes exactly the shown result', async () => {
    const s = sessionWith(
      [
        { tools: [read('r', 'load.py')] },
        {
          tools: [
            {
              id: 'e',
              name: 'edit_file',
              input: {
                path: 'load.py',
                old_text: 'retries = 2',
                new_text: 'retries = 3'
              }
            }
          ]
        },
        { text: 'ok' }
      ],
      { files: { 'etl/load.py': 'retries = 2\n' }, baseDir: 'etl' }
    );
    const done = s.session.send('three retries');
    await waiting(s.model, 1);
    expect(callsOf(s.model)[1].preview?.summary).toBe(
      'Edit etl/load.py at line 1'
    );
    s.session.answerApproval('e', { kind: 'allow_once' });
    await done;
    expect(callsOf(s.model)[1].state).toBe('done');
    expect(s.contents.text('etl/load.py')).toBe('retries = 3\n');
  });

  it('delete_file is refused when the file changed after the card was shown', async () => {
    const s = sessionWith(
      [
        {
          tools: [{ id: 'd', name: 'delete_file', input: { path: 'old.csv' } }]
        },
        { text: 'ok' }
      ],
      {
        files: { 'old.csv': 'a,b\n' }
      }
    );
    const done = s.session.send('delete it');
    await waiting(s.model);
    expect(callsOf(s.model)[0].preview?.summary).toBe('Delete old.csv (4 B)');
    s.contents.put('old.csv', 'a,b\n1,2\n3,4\n');
    s.session.answerApproval('d', { kind: 'allow_once' });
    await done;
    expect(callsOf(s.model)[0].result?.content).toMatch(
      /^old\.csv changed on disk after the approval card was shown, so it was not deleted/
    );
    expect(s.contents.text('old.csv')).toBe('a,b\n1,2\n3,4\n');
  });

  it('rename_file renames the paths the card showed, whatever the base folder is at the click', async () => {
    const s = sessionWith(
      [
        {
          tools: [
            {
              id: 'm',
              name: 'rename_file',
              input: { old_path: 'a.py', new_path: 'b.py' }
            }
          ]
        },
        { text: 'ok' }
      ],
      {
        files: { 'etl/a.py': 'x\n', 'a.py': 'root\n' },
        baseDir: 'etl'
      }
    );
    const done = s.session.send('rename');
    await waiting(s.model);
    expect(callsOf(s.model)[0].preview?.summary).toBe(
      'Rename etl/a.py → etl/b.py'
    );
    s.state.baseDir = '';
    s.session.answerApproval('m', { kind: 'allow_once' });
    await done;
    expect(s.contents.text('etl/b.py')).toBe('x\n');
    expect(s.contents.text('a.py')).toBe('root\n');
    expect(s.contents.exists('b.py')).toBe(false);
  });

  it('the risk check judges the bound path: a sensitive target asks even with write_file on auto', async () => {
    const s = sessionWith(
      [
        {
          tools: [
            {
              id: 'w',
              name: 'write_file',
              input: { path: '.env', content: 'X=1\n' }
            }
          ]
        },
        { text: 'ok' }
      ],
      { baseDir: 'etl' },
      {
        write_file: 'auto'
      }
    );
    const done = s.session.send('write it');
    await waiting(s.model);
    expect(callsOf(s.model)[0].preview?.summary).toBe('Create etl/.env');
    expect(callsOf(s.model)[0].approvalReason).toMatch(/secret/i);
    s.session.answerApproval('w', { kind: 'deny' });
    await done;
    expect(s.contents.exists('etl/.env')).toBe(false);
  });

  it('a change that cannot be made fails without asking', async () => {
    const s = sessionWith(
      [
        {
          tools: [
            {
              id: 'e',
              name: 'edit_file',
              input: { path: 'a.txt', old_text: 'nope', new_text: 'x' }
            }
          ]
        },
        { text: 'ok' }
      ],
      {
        files: { 'a.txt': 'a\n' }
      }
    );
    await s.session.send('edit');
    expect(callsOf(s.model)[0].state).toBe('failed');
    expect(callsOf(s.model)[0].result?.content).toContain(
      'old_text was not found'
    );
  });
});
