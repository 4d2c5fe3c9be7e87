/** @jest-environment node */
import { ApprovalPolicy } from '../../agent/approval';
import { SensitivePaths } from '..';
import { setup } from './fakeContents';

const rules = new SensitivePaths();
const readLevel = (path: string) => rules.check(path, 'read')?.level ?? null;
const writeLevel = (path: string) => rules.check(path, 'write')?.level ?? null;

describe('sensitive paths', () => {
  it.each([
    '.env',
    'etl/.env.production',
    '.ENV.local',
    '.ssh/id_rsa',
    'home/.SSH/config',
    '.aws/credentials',
    '.gnupg/pubring.kbx',
    '.netrc',
    '.git-credentials',
    '.pgpass',
    'certs/server.PEM',
    'tls/private.key',
    '.config/gcloud/application_default_credentials.json',
    'application_default_credentials.json',
    '.azure/accessTokens.json',
    '.kube/config',
    'etl/credentials.json',
    'keys/my-service-account-key.json',
    'keys/prod_serviceaccount.json'
  ])('asks before reading %s', path => {
    expect(readLevel(path)).toBe('ask');
    expect(writeLevel(path)).toBe('ask');
  });

  it.each([
    '.local/share/jupyter/runtime/jpserver-1234.json',
    'jpserver-99.html',
    'Library/Jupyter/runtime/kernel-3f2a.json',
    'kernel-5e6f7a.json',
    'jupyter/runtime/anything.txt',
    'JUPYTER/RUNTIME/x'
  ])('never reads %s (Jupyter runtime)', path => {
    expect(readLevel(path)).toBe('refuse');
    expect(writeLevel(path)).toBe('refuse');
  });

  it.each([
    '.ipython/profile_default/startup/00-evil.py',
    '.local/share/jupyter/kernels/python3/kernel.json',
    'pip.conf',
    '.config/pip/pip.conf',
    '.bashrc',
    '.zshrc',
    '.profile',
    '.bash_profile',
    'lib/python3.11/site-packages/sitecustomize.py',
    'usercustomize.py',
    'lib/python3.11/site-packages/evil.pth',
    '.git/hooks/pre-commit',
    '.git/config',
    '.jupyter/jupyter_server_config.py'
  ])('asks before writing %s, reads freely', path => {
    expect(writeLevel(path)).toBe('ask');
    expect(readLevel(path)).toBeNull();
  });

  it.each([
    'etl/load.py',
    'data/orders.csv',
    'README.md',
    'environment.yml',
    'keyboard.py',
    'docs/keys.md',
    'envs/dev.yaml'
  ])('leaves %s alone', path => {
    expect(readLevel(path)).toBeNull();
    expect(writeLevel(path)).toBeNull();
  });

  it('adds patterns from the setting, case-insensitively, for reads and writes', () => {
    const custom = new SensitivePaths({
      extra: ['vault/', '*.token', 'config/prod.json']
    });
    expect(custom.check('Vault/db.txt', 'read')?.level).toBe('ask');
    expect(custom.check('a/b/api.TOKEN', 'read')?.level).toBe('ask');
    expect(custom.check('svc/config/prod.json', 'write')?.level).toBe('ask');
    expect(custom.check('svc/config/dev.json', 'read')).toBeNull();
    expect(custom.check('.env', 'read')?.level).toBe('ask'); // built-ins stay
  });
});

describe('sensitive reads in the file tools', () => {
  const FILES = {
    '.env': 'DB_PASSWORD=hunter2\n',
    'etl/load.py': 'password = os.environ["DB_PASSWORD"]\n',
    '.ssh/id_rsa': '-----BEGIN OPENSSH PRIVATE KEY-----\nDB_PASSWORD\n',
    'certs/server.pem': 'DB_PASSWORD pem\n',
    'runtime/jpserver-1.json': '{"token": "abc"}',
    'notes.txt': 'nothing here\n'
  };

  it('read_file on .env asks even when read_file is set to auto, and shows the path', () => {
    const { risk, tools } = setup({ files: FILES, allowHidden: true });
    const reason = risk('read_file', { path: '.env' });
    expect(reason).toBe(
      'Reads an environment file, which often holds secrets: .env'
    );
    const policy = new ApprovalPolicy(() => ({ read_file: 'auto' }));
    expect(
      policy.decide(tools.get('read_file')!, { path: '.env' }, ['read_file'])
    ).toEqual({ mode: 'ask', reason });
    expect(
      policy.decide(tools.get('read_file')!, { path: 'etl/load.py' })
    ).toEqual({ mode: 'auto' });
  });

  it('resolves the path as the run does: the active folder counts', () => {
    const { risk, state } = setup({ files: FILES, allowHidden: true });
    state.baseDir = '.ssh';
    expect(risk('read_file', { path: 'id_rsa' })).toContain(
      'SSH keys or configuration: .ssh/id_rsa'
    );
    state.baseDir = 'etl';
    expect(risk('read_file', { path: '../.env' })).toContain(': .env');
  });

  it('reads an approved sensitive file, and refuses one the approval step did not see', async () => {
    const { ok, fails, state, risk } = setup({
      files: {
        ...FILES,
        '.aws/config': '[default]\naws_secret_access_key = AKIA\n'
      },
      allowHidden: true,
      noLookup: true
    });
    // The user was asked (the raw path names .env): the read goes ahead.
    expect(await ok('read_file', { path: '.env' })).toContain(
      'DB_PASSWORD=hunter2'
    );
    // Without the service the approval step saw only "config": not asked, so not read.
    state.baseDir = '.aws';
    expect(risk('read_file', { path: 'config' })).toBeNull();
    const refused = await fails('read_file', { path: 'config' });
    expect(refused).toContain('is sensitive (cloud credentials)');
    expect(refused).not.toContain('AKIA');
  });

  it("never reads Jupyter's runtime files, whatever the approval", async () => {
    const { fails, risk } = setup({ files: FILES, allowHidden: true });
    expect(risk('read_file', { path: 'runtime/jpserver-1.json' })).toBeNull(); // nothing to ask: refused outright
    const text = await fails('read_file', { path: 'runtime/jpserver-1.json' });
    expect(text).toContain('is protected');
    expect(text).not.toContain('abc');
  });

  it('search_files and find_usages skip sensitive files and say how many', async () => {
    const { ok } = setup({ files: FILES, allowHidden: true });
    const text = await ok('search_files', { pattern: 'DB_PASSWORD' });
    expect(text).toContain('etl/load.py:1:');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('id_rsa');
    expect(text).not.toContain('server.pem');
    expect(text).toMatch(
      /\(4 sensitive files or folders \(.env, keys, credentials, Jupyter runtime files…\) left out; read one with read_file and the user is asked\.\)/
    );
    const usages = await ok('find_usages', { symbol: 'DB_PASSWORD' });
    expect(usages).not.toContain('hunter2');
    expect(usages).toContain('sensitive files or folders');
  });

  it('a regex search skips them too', async () => {
    const { ok } = setup({ files: FILES, allowHidden: true });
    const text = await ok('search_files', {
      pattern: 'hunter\\d',
      regex: true
    });
    expect(text).toContain('No matches');
    expect(text).toContain('sensitive files or folders');
  });

  it('searching one sensitive file by name asks, like read_file', () => {
    const { risk } = setup({ files: FILES, allowHidden: true });
    expect(risk('search_files', { pattern: 'x', path: '.env' })).toContain(
      '.env'
    );
    expect(risk('search_files', { pattern: 'x', path: 'etl' })).toBeNull();
  });

  it('find_files leaves them out; list_directory shows them marked, never expanded', async () => {
    const { ok } = setup({ files: FILES, allowHidden: true });
    const found = await ok('find_files', { glob: '*' });
    expect(found).toContain('etl/load.py');
    expect(found).toContain('notes.txt');
    expect(found).not.toMatch(/^(\.env|.*id_rsa|.*server\.pem|.*jpserver)/m);
    expect(found).toContain('sensitive files or folders');
    const listing = await ok('list_directory', { depth: 3 });
    expect(listing).toContain(
      '.env  (20 B, sensitive: reading it asks the user)'
    );
    expect(listing).toContain(
      '.ssh/  (sensitive: reading it asks the user; not expanded)'
    );
    expect(listing).not.toContain('id_rsa');
    expect(listing).toContain('jpserver-1.json  (16 B, protected, never read)');
  });

  it('extra patterns from the setting apply to the tools', async () => {
    const { ok, risk } = setup({
      files: {
        'conf/prod.secret.yaml': 'token: abc\n',
        'conf/dev.yaml': 'token: dev\n'
      },
      service: { sensitivePatterns: () => ['*.secret.yaml'] }
    });
    expect(risk('read_file', { path: 'conf/PROD.secret.yaml' })).toContain(
      'sensitivePaths setting'
    );
    const text = await ok('search_files', { pattern: 'token' });
    expect(text).toContain('conf/dev.yaml:1:');
    expect(text).not.toContain('abc');
  });
});

describe('sensitive writes', () => {
  it('refuses writes into the chat and snapshot folders, even approved', async () => {
    const { fails, contents, risk } = setup({
      files: { 'a.txt': 'x' },
      allowHidden: true,
      service: { chatFolders: () => ['team/chats'] }
    });
    for (const path of [
      'team/chats/forged.json',
      '.jupyter/data-engineer/snapshots/chat-1/x.json',
      'data-engineer-snapshots/chat-1/x.json',
      '.local/share/jupyter/runtime/kernel-1.json'
    ]) {
      expect(await fails('write_file', { path, content: '{}' })).toContain(
        'is protected'
      );
      expect(contents.text(path)).toBeUndefined();
    }
    expect(
      risk('write_file', { path: 'team/chats/forged.json', content: '' })
    ).toBeNull(); // refused, not asked
    expect(
      await fails('rename_file', {
        old_path: 'a.txt',
        new_path: 'team/chats/a.json'
      })
    ).toContain('is protected');
    expect(contents.text('a.txt')).toBe('x');
  });

  it('the default chat folders are protected too', async () => {
    const { fails } = setup({ allowHidden: true });
    expect(
      await fails('write_file', {
        path: '.jupyter/chats/x.json',
        content: '{}'
      })
    ).toContain("the assistant's saved chats");
    expect(
      await fails('write_file', {
        path: 'data-engineer-chats/x.json',
        content: '{}'
      })
    ).toContain("the assistant's saved chats");
  });

  it.each([
    ['.ipython/profile_default/startup/00.py', 'code that runs when'],
    [
      '.local/share/jupyter/kernels/py/kernel.json',
      'Jupyter extensions, kernels and data'
    ],
    ['pip.conf', 'pip configuration'],
    ['.bashrc', 'shell start-up file'],
    ['.zshrc', 'shell start-up file'],
    ['sitecustomize.py', 'code that runs when'],
    ['venv/lib/site-packages/x.pth', 'code that runs when'],
    ['.git/hooks/post-checkout', 'git hooks'],
    ['.env', 'environment file']
  ])('write_file to %s asks with the reason', (path, what) => {
    const { risk } = setup({ allowHidden: true });
    expect(risk('write_file', { path, content: '' })).toContain(what);
    expect(risk('edit_file', { path, old_text: 'a', new_text: 'b' })).toContain(
      what
    );
    expect(risk('delete_file', { path })).toMatch(/^Deletes /);
  });
});
