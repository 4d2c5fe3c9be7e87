/** @jest-environment node */
import { execFileSync } from 'child_process';
import * as path from 'path';
import {
  maskSecrets,
  maskSecretsInCode,
  randomToken,
  restoreMasked
} from '../secretText';

/** Literal secrets masked in what the page sends (issue 26, item 12). */
describe('maskSecretsInCode', () => {
  const masked: Array<[string, string, string]> = [
    [
      'a key format assigned to a secret name',
      'api_token = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e"\nprint(api_token)',
      'api_token = "<redacted, 32 chars>"\nprint(api_token)'
    ],
    [
      'any literal assigned to a secret name',
      'password = "hunter2"',
      'password = "<redacted, 7 chars>"'
    ],
    [
      'an annotated assignment',
      "secret: str = 'xyz123'",
      "secret: str = '<redacted, 6 chars>'"
    ],
    [
      'a keyword argument',
      'connect(user="etl", password="s3cr3t!", host="db")',
      'connect(user="etl", password="<redacted, 7 chars>", host="db")'
    ],
    [
      'a dict entry',
      "cfg = {'api_key': 'abc123xyz', 'region': 'eu'}",
      "cfg = {'api_key': '<redacted, 9 chars>', 'region': 'eu'}"
    ],
    [
      'an environment entry',
      'os.environ["DB_PASSWORD"] = "letmein"',
      'os.environ["DB_PASSWORD"] = "<redacted, 7 chars>"'
    ],
    [
      'a URL with a password',
      'url = "postgresql://etl:pw123@db:5432/x"',
      'url = "<redacted, 23 chars>db:5432/x"'
    ],
    [
      'AWS and GitHub keys anywhere',
      'f("AKIAABCDEFGHIJKLMNOP", "ghp_abcdefghijklmnopqrstuvwxyz123")',
      'f("<redacted, 20 chars>", "<redacted, 33 chars>")'
    ],
    [
      'a Slack token',
      'post(token_for("xoxb-1234567890-abcdefghij"))',
      'post(token_for("<redacted, 26 chars>"))'
    ],
    [
      'a PEM block, whole',
      'KEY = """-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----"""',
      'KEY = """<redacted, 68 chars>"""'
    ]
  ];
  it.each(masked)('masks %s', (_label, code, expected) => {
    expect(maskSecretsInCode(code)).toBe(expected);
    // What the model writes back from the masked view restores the original.
    expect(restoreMasked(expected, code)).toBe(code);
  });

  const kept: Array<[string, string]> = [
    ['a join key', 'join_key = "customer_id"\nsort_key = "region"'],
    ['an author', 'author = "Jane Doe"'],
    ['a comparison', 'if token == "abc":\n    pass'],
    ['ordinary pandas', 'df = pd.read_csv("data/sales.csv")\ndf.head()'],
    [
      'a hex digest',
      'digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"'
    ],
    ['an env lookup', 'api_token = os.environ["API_TOKEN"]']
  ];
  it.each(kept)('leaves %s alone', (_label, code) => {
    expect(maskSecretsInCode(code)).toBe(code);
  });

  it('restores only placeholders the original masked, in order', () => {
    const original = 'a_token = "one-secret"\nb_token = "two-secret"';
    const view = maskSecretsInCode(original);
    const written =
      view.replace('b_token', 'c_token') + '\nx = "<redacted, 99 chars>"';
    expect(restoreMasked(written, original)).toBe(
      'a_token = "one-secret"\nc_token = "two-secret"\nx = "<redacted, 99 chars>"'
    );
  });
});

describe("maskSecrets matches the kernel inspector's _mask_secrets", () => {
  const corpus = [
    'postgresql://etl:pw123@db:5432/x',
    'Server=db;User Id=etl;Password=Sup3r;Database=x',
    'token sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
    'AKIAABCDEFGHIJKLMNOP and ghp_abcdefghijklmnopqrstuvwxyz123',
    'xoxp-1234567890-abcdefghij in a message',
    'AIzaSyA1234567890abcdefghijklmnopqrstu',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc',
    '-----BEGIN PRIVATE KEY-----',
    'x = 7Gh2Kq9LmZ4pR8sT1vW3yB6nD0fJ5cX2',
    'a hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'a path /home/user/projects/data_engineering/pipelines/etl_load.py',
    'camelCaseIdentifierWithSomeNumbers123AndMore',
    'short',
    'plain text with no secret at all, just words'
  ];
  it('gives the same text on a corpus', () => {
    const script = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("inspector", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
print(json.dumps([m._mask_secrets(t) for t in json.loads(sys.stdin.read())]))
`;
    const python = JSON.parse(
      execFileSync(
        'python3',
        ['-c', script, path.join(__dirname, '..', 'kernel', 'inspector.py')],
        { input: JSON.stringify(corpus), encoding: 'utf8' }
      )
    );
    expect(corpus.map(maskSecrets)).toEqual(python);
    // The corpus exercises both outcomes.
    expect(
      python.filter((t: string, i: number) => t !== corpus[i]).length
    ).toBeGreaterThan(6);
    expect(randomToken('7Gh2Kq9LmZ4pR8sT1vW3yB6nD0fJ5cX2')).toBe(true);
  });
});
