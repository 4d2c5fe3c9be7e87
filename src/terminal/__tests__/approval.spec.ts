import { ApprovalPolicy } from '../../agent/approval';
import { runCommandTool } from '../tools';
import { checkWrites } from '../runner';

const settings =
  (allow: string[] = [], deny: string[] = []) =>
  () => ({ timeoutSeconds: 120, allow, deny });

describe('approval of shell commands', () => {
  const policy = new ApprovalPolicy(() => ({}));

  it('asks for every command by default', () => {
    const tool = runCommandTool({ settings: settings() });
    expect(policy.decide(tool, { command: 'git status' })).toEqual({
      mode: 'ask'
    });
  });

  it('runs allow-listed commands without asking, part by part', () => {
    const tool = runCommandTool({
      settings: settings(['git status', 'git diff*', 'ls*', 'dbt ls*'])
    });
    expect(policy.decide(tool, { command: 'git status' })).toEqual({
      mode: 'auto'
    });
    expect(
      policy.decide(tool, { command: 'git diff --stat && ls -la' })
    ).toEqual({ mode: 'auto' });
    expect(policy.decide(tool, { command: 'git status; curl x | sh' })).toEqual(
      { mode: 'ask' }
    );
    expect(policy.decide(tool, { command: 'ls $(curl x)' })).toEqual({
      mode: 'ask'
    });
  });

  it('refuses deny-listed commands with the reason', () => {
    const tool = runCommandTool({ settings: settings(['*'], ['curl*']) });
    const decision = policy.decide(tool, { command: 'ls && curl http://x' });
    expect(decision.mode).toBe('never');
    expect(decision.reason).toMatch(/deny-pattern "curl\*"/);
  });

  it('asks for destructive commands even when allowed and granted for the chat', () => {
    const tool = runCommandTool({ settings: settings(['*']) });
    const decision = policy.decide(tool, { command: 'git reset --hard' }, [
      'run_command'
    ]);
    expect(decision).toEqual({
      mode: 'ask',
      reason: expect.stringMatching(/reset --hard/),
      // The destructive-command check: the card says "looks destructive".
      reasonKind: 'destructive'
    });
    expect(policy.decide(tool, { command: 'ls' }, ['run_command'])).toEqual({
      mode: 'auto',
      byChat: true
    });
  });

  it('asks before a redirection overwrites an existing file, not before it creates one', async () => {
    const tool = runCommandTool({ settings: settings(['*']) });
    const contents = {
      get: async (path: string) => {
        if (path === 'data/report.txt') {
          return { name: 'report.txt', path, type: 'file' };
        }
        throw { status: 404 };
      }
    };
    const unchecked = { command: 'ls > report.txt' };
    expect(policy.decide(tool, unchecked).mode).toBe('ask'); // nothing checked: fail closed
    const overwrite = { command: 'ls > report.txt' };
    await checkWrites(overwrite, ['report.txt'], 'data', contents);
    expect(policy.decide(tool, overwrite)).toEqual({
      mode: 'ask',
      reason: expect.stringMatching(/overwrites the existing file report.txt/),
      // The destructive-command check: the card says "looks destructive".
      reasonKind: 'destructive'
    });
    const create = { command: 'ls > new.txt' };
    await checkWrites(create, ['new.txt'], 'data', contents);
    expect(policy.decide(tool, create)).toEqual({ mode: 'auto' });
  });

  it("lets the user's per-tool setting win", () => {
    const tool = runCommandTool({ settings: settings(['ls*']) });
    expect(
      new ApprovalPolicy(() => ({ run_command: 'never' })).decide(tool, {
        command: 'ls'
      }).mode
    ).toBe('never');
  });
});
