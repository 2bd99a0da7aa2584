import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentmeterError } from '../../src/model/diagnostics.js';
import { createRedactor, redactText } from '../../src/model/redact.js';

// Fake keys are assembled at run time from a seeded generator: they have the real shape and
// length, but no literal key sits in the repository for secret scanners to flag.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URL = ALNUM + '_-';
const UPPER32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = ALNUM + '+/';
let seed = 0x2f6b3a1;
function body(n: number, alphabet: string = ALNUM): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    s += alphabet[(seed >>> 8) % alphabet.length];
  }
  return s;
}
const digits = (n: number): string => body(n, '0123456789');

const KEYS = {
  openaiLegacy: `sk-${body(48)}`,
  openaiProject: `sk-proj-${body(156, B64URL)}`,
  anthropic: `sk-ant-api03-${body(93, B64URL)}AA`,
  google: `AIza${body(35, B64URL)}`,
  awsKeyId: `AKIA${body(16, UPPER32)}`,
  awsSessionKeyId: `ASIA${body(16, UPPER32)}`,
  awsSecret: body(40, B64),
  ghp: `ghp_${body(36)}`,
  gho: `gho_${body(36)}`,
  ghs: `ghs_${body(36)}`,
  ghu: `ghu_${body(36)}`,
  ghr: `ghr_${body(36)}`,
  githubPat: `github_pat_${body(22)}_${body(59)}`,
  gitlab: `glpat-${body(20, B64URL)}`,
  slackBot: `xoxb-${digits(12)}-${digits(13)}-${body(24)}`,
  slackUser: `xoxp-${digits(12)}-${digits(12)}-${digits(13)}-${body(32, 'abcdef0123456789')}`,
  stripeSecret: `sk_live_${body(99)}`,
  stripeRestricted: `rk_live_${body(99)}`,
  huggingface: `hf_${body(34, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')}`,
  npm: `npm_${body(36)}`,
} as const;

const b64url = (s: string): string => Buffer.from(s).toString('base64url');
const JWT = [
  b64url('{"alg":"HS256","typ":"JWT"}'),
  b64url('{"sub":"1234567890","name":"Agent Smith","iat":1733236222}'),
  body(43, B64URL),
].join('.');

const PEM_BODY = Array.from({ length: 25 }, () => body(64, B64)).join('\n');
const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`;

describe('redactText: one positive case per format', () => {
  const cases: [string, string, string][] = [
    ['OpenAI legacy key', `OPENAI key ${KEYS.openaiLegacy} rejected`, 'openai_key'],
    ['OpenAI project key', `Incorrect API key provided: ${KEYS.openaiProject}.`, 'openai_key'],
    ['Anthropic key', `x-api-key ${KEYS.anthropic} invalid`, 'anthropic_key'],
    ['Google API key', `https://maps.googleapis.com/maps/api?key=${KEYS.google}&q=1`, 'google_api_key'],
    ['AWS access key id (AKIA)', `The AWS Access Key Id ${KEYS.awsKeyId} does not exist`, 'aws_access_key_id'],
    ['AWS access key id (ASIA)', `using ${KEYS.awsSessionKeyId} for session`, 'aws_access_key_id'],
    ['AWS secret (credentials file)', `aws_secret_access_key = ${KEYS.awsSecret}`, 'aws_secret_key'],
    ['AWS secret (env)', `AWS_SECRET_ACCESS_KEY=${KEYS.awsSecret} make deploy`, 'aws_secret_key'],
    ['AWS secret (JSON)', `{"SecretAccessKey": "${KEYS.awsSecret}"}`, 'aws_secret_key'],
    ['GitHub ghp_', `remote: Invalid token ${KEYS.ghp}`, 'github_token'],
    ['GitHub gho_', `oauth ${KEYS.gho}`, 'github_token'],
    ['GitHub ghs_', `app installation ${KEYS.ghs}`, 'github_token'],
    ['GitHub ghu_', `user-to-server ${KEYS.ghu}`, 'github_token'],
    ['GitHub ghr_', `refresh ${KEYS.ghr}`, 'github_token'],
    ['GitHub fine-grained PAT', `GH_PAT="${KEYS.githubPat}"`, 'github_token'],
    ['GitLab PAT', `curl --header "PRIVATE-TOKEN: ${KEYS.gitlab}" https://gitlab.example.com/api/v4/projects`, 'gitlab_token'],
    ['Slack bot token', `slack: ${KEYS.slackBot} not_authed`, 'slack_token'],
    ['Slack user token', `slack: ${KEYS.slackUser}`, 'slack_token'],
    ['Stripe secret key', `stripe ${KEYS.stripeSecret}`, 'stripe_key'],
    ['Stripe restricted key', `stripe ${KEYS.stripeRestricted}`, 'stripe_key'],
    ['Hugging Face token', `401 for ${KEYS.huggingface} on model download`, 'huggingface_token'],
    ['npm token', `//registry.npmjs.org/:_authToken=${KEYS.npm}`, 'npm_token'],
    ['JWT', `session ${JWT} expired`, 'jwt'],
  ];
  it.each(cases)('%s', (_name, text, type) => {
    const out = redactText(text);
    expect(out).toContain(`[REDACTED:${type}]`);
    const secret = Object.values(KEYS).find((k) => text.includes(k)) ?? JWT;
    expect(out).not.toContain(secret);
  });

  it('keeps the text around a key', () => {
    expect(redactText(`token ${KEYS.ghp} expired`)).toBe('token [REDACTED:github_token] expired');
    expect(redactText(`export OPENAI_API_KEY="${KEYS.openaiProject}"`)).toBe(
      'export OPENAI_API_KEY="[REDACTED:openai_key]"',
    );
  });

  it('Authorization headers: Bearer and Basic', () => {
    expect(redactText('Authorization: Bearer 8f2c1d9e7a6b5c4d3e2f1a0b')).toBe('Authorization: Bearer [REDACTED:authorization]');
    expect(redactText('authorization: Basic dXNlcjpodW50ZXIy')).toBe('authorization: Basic [REDACTED:authorization]');
    expect(redactText('{"Authorization":"Bearer 8f2c1d9e7a6b5c4d"}')).toBe('{"Authorization":"Bearer [REDACTED:authorization]"}');
    expect(redactText('sent bearer 8f2c1d9e7a6b5c4d3e2f to the proxy')).toBe('sent bearer [REDACTED:bearer_token] to the proxy');
    expect(redactText(`Authorization: Bearer ${JWT}`)).toBe('Authorization: Bearer [REDACTED:jwt]');
  });

  it('passwords in URLs keep scheme, user and host', () => {
    expect(redactText('fatal: https://bot:hunter2@git.example.com/org/repo.git not found')).toBe(
      'fatal: https://bot:[REDACTED:password]@git.example.com/org/repo.git not found',
    );
    expect(redactText('postgres://agent:s3cr%40t!@db.internal:5432/metrics')).toBe(
      'postgres://agent:[REDACTED:password]@db.internal:5432/metrics',
    );
    expect(redactText('redis://:p4ss@cache:6379/0')).toBe('redis://:[REDACTED:password]@cache:6379/0');
    // An unencoded '@' in the password: everything up to the host's '@' is the password.
    expect(redactText('amqp://u:p@ss@mq.local/')).toBe('amqp://u:[REDACTED:password]@mq.local/');
  });

  it('generic password= / secret= / token= / api_key= assignments', () => {
    expect(redactText('DB_PASSWORD=hunter2 psql failed')).toBe('DB_PASSWORD=[REDACTED:secret] psql failed');
    expect(redactText("connect(password='hunter2', host='db')")).toBe("connect(password='[REDACTED:secret]', host='db')");
    expect(redactText('{"client_secret": "abc123", "user": "bob"}')).toBe('{"client_secret": "[REDACTED:secret]", "user": "bob"}');
    expect(redactText('https://example.com/cb?access_token=abc123&state=xyz')).toBe(
      'https://example.com/cb?access_token=[REDACTED:secret]&state=xyz',
    );
    expect(redactText('api_key: 12345-abcde')).toBe('api_key: [REDACTED:secret]');
    expect(redactText('X-Api-Key: 12345-abcde')).toBe('X-Api-Key: [REDACTED:secret]');
    expect(redactText('password = "correct horse battery staple"')).toBe('password = "[REDACTED:secret]"');
    // JSON inside a string, as error messages often quote a request body.
    expect(redactText('body={\\"password\\": \\"hunter2\\"}')).toBe('body={\\"password\\": \\"[REDACTED:secret]\\"}');
    expect(redactText('mysql --password hunter2 -h db')).toBe('mysql --password [REDACTED:secret] -h db');
  });

  it('multi-line PEM private keys, including escaped newlines and a missing END', () => {
    const out = redactText(`loaded key:\n${PEM}\nthen failed`);
    expect(out).toBe('loaded key:\n[REDACTED:private_key]\nthen failed');
    const escaped = `{"private_key": "${PEM.replace(/\n/g, '\\n')}"}`;
    expect(redactText(escaped)).toBe('{"private_key": "[REDACTED:private_key]"}');
    for (const kind of ['EC', 'OPENSSH', 'ENCRYPTED', 'DSA']) {
      const pem = PEM.replace(/RSA/g, kind);
      expect(redactText(pem)).toBe('[REDACTED:private_key]');
    }
    expect(redactText('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toBe('[REDACTED:private_key]');
    expect(redactText('-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----')).toBe(
      '[REDACTED:private_key]',
    );
  });

  it('e-mail addresses', () => {
    expect(redactText('assigned to alice.smith+ci@example.co.uk.')).toBe('assigned to [REDACTED:email].');
    expect(redactText('<Bob.Jones@Corp.Example.com>')).toBe('<[REDACTED:email]>');
  });
});

describe('redactText: home paths', () => {
  it('Linux, macOS and Windows homes become ~', () => {
    expect(redactText('File "/home/alice/proj/run.py", line 3')).toBe('File "~/proj/run.py", line 3');
    expect(redactText('at /Users/bob/src/app.ts:10:5')).toBe('at ~/src/app.ts:10:5');
    expect(redactText('C:\\Users\\Carol\\repo\\main.py failed')).toBe('~\\repo\\main.py failed');
    expect(redactText('"C:\\\\Users\\\\Carol\\\\repo"')).toBe('"~\\\\repo"');
    expect(redactText('c:/users/carol/repo')).toBe('~/repo');
    expect(redactText('cd /home/alice && make')).toBe('cd ~ && make');
    expect(redactText('PWD=/home/alice')).toBe('PWD=~');
  });

  it('extra home directories from options', () => {
    const redact = createRedactor({ homeDirs: ['/srv/ci-runner/', 'D:\\profiles\\dave'] });
    expect(redact('/srv/ci-runner/work/x.log')).toBe('~/work/x.log');
    expect(redact('/srv/ci-runner')).toBe('~');
    expect(redact('/srv/ci-runner2/x')).toBe('/srv/ci-runner2/x');
    expect(redact('D:\\profiles\\dave\\x and d:/Profiles/Dave/y')).toBe('~\\x and ~/y');
  });

  it('ignores home directories that would swallow every path', () => {
    const redact = createRedactor({ homeDirs: ['/', '', 'relative/dir', 'C:\\'] });
    expect(redact('/usr/lib/x relative/dir C:\\tmp')).toBe('/usr/lib/x relative/dir C:\\tmp');
  });
});

describe('redactText: negatives stay untouched', () => {
  const untouched = [
    'The quick brown fox jumps over the lazy dog.',
    'commit 3f786850e387550fdab836ed7e6dc881de23001b failed',
    'run 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b ended',
    'a risk-free task-runner with sk- in prose',
    'from huggingface_hub import hf_hub_download; hf_token missing',
    'model claude-3-5-sonnet-20241022 via gpt-4o-mini',
    'max_tokens=1024 input_tokens: 12 output_tokens=3',
    'Unexpected token } in JSON at position 5',
    'bearer authentication is not configured',
    '/etc/passwd: No such file or directory',
    'git@github.com:org/repo.git rejected',
    'installed lodash@4.17.21 and icon@2x.png',
    'https://example.com:8080/home/index.html?q=1',
    'https://example.com/Users/list',
    '/Users/Shared/cache',
    '/usr/local/lib/node_modules/x.js:1:1',
    'password: null',
    'token=',
    '2025-01-01T00:00:00.000Z 12.5 ms',
    'AKIA is a prefix',
    'npm_config_cache npm_package_version',
    'ghp_short',
  ];
  it.each(untouched)('%s', (text) => {
    expect(redactText(text)).toBe(text);
  });
});

describe('redactText: truncation', () => {
  it('cuts long text with a marker, the result within maxLength', () => {
    const text = 'word '.repeat(1000);
    const out = redactText(text);
    expect(out.length).toBeLessThanOrEqual(2000);
    const m = /…\[truncated (\d+) chars\]$/.exec(out);
    expect(m).not.toBeNull();
    const kept = out.length - (m?.[0].length ?? 0);
    expect(Number(m?.[1])).toBe(text.length - kept);
    expect(text.startsWith(out.slice(0, kept))).toBe(true);
  });

  it('leaves text of exactly maxLength alone', () => {
    const text = 'x'.repeat(100);
    expect(createRedactor({ maxLength: 100 })(text)).toBe(text);
  });

  it('never cuts a placeholder in half', () => {
    const redact = createRedactor({ maxLength: 64 });
    for (let pad = 0; pad < 60; pad++) {
      const out = redact(`${'a'.repeat(pad)} ${KEYS.ghp} ${'b'.repeat(80)}`);
      expect(out.length).toBeLessThanOrEqual(64);
      expect(out).not.toMatch(/\[REDACTED(?![^\]]*\])/);
    }
  });

  it('drops a key the redaction window cuts through instead of keeping half of it', () => {
    // The PEM block shrinks to a placeholder, pulling what follows the window into the output.
    const redact = createRedactor({ maxLength: 2000 });
    const head = `${PEM}\n`;
    const filler = 'w '.repeat(Math.floor((2000 + 4096 - head.length - 10) / 2));
    const text = `${head}${filler}${KEYS.ghp}${' tail'.repeat(400)}`;
    const out = redact(text);
    expect(out.length).toBeLessThanOrEqual(2000);
    expect(out).not.toContain(KEYS.ghp.slice(0, 8));
    expect(out).toMatch(/…\[truncated \d+ chars\]$/);
  });

  it('handles a megabyte without whitespace', () => {
    const out = redactText('A'.repeat(1_000_000));
    expect(out.length).toBeLessThanOrEqual(2000);
    expect(out).toMatch(/…\[truncated \d+ chars\]$/);
  });
});

describe('redactText: failure and odd input', () => {
  it('fails closed when an extra pattern throws', () => {
    const hostile = /never/g;
    Object.defineProperty(hostile, 'exec', {
      value: () => {
        throw new Error('boom');
      },
    });
    const redact = createRedactor({ extraPatterns: [hostile] });
    expect(redact(`key ${KEYS.openaiLegacy} and alice@example.com`)).toBe('[REDACTED]');
    expect(redactText('plain text', { extraPatterns: [hostile] })).toBe('[REDACTED]');
  });

  it('fails closed for a RegExp subclass that throws on replace', () => {
    class Hostile extends RegExp {
      override [Symbol.replace](): string {
        throw new Error('boom');
      }
    }
    expect(createRedactor({ extraPatterns: [new Hostile('x', 'g')] })('x')).toBe('[REDACTED]');
  });

  it('non-string input gives an empty string', () => {
    const redact = createRedactor();
    for (const v of [null, undefined, 42, {}, ['sk-x'], Symbol('s')]) {
      expect(redact(v as unknown as string)).toBe('');
      expect(redactText(v as unknown as string)).toBe('');
    }
  });

  it('bad options throw at setup; redactText fails closed on them', () => {
    expect(() => createRedactor({ maxLength: 10 })).toThrow(AgentmeterError);
    expect(() => createRedactor({ maxLength: 1.5e3 + 0.5 })).toThrow(/maxLength/);
    expect(() => createRedactor({ extraPatterns: ['sk-' as unknown as RegExp] })).toThrow(/extraPatterns/);
    expect(() => createRedactor({ homeDirs: [42 as unknown as string] })).toThrow(/homeDirs/);
    expect(redactText('hello', { maxLength: 1 })).toBe('[REDACTED]');
  });

  it('extra patterns replace with a custom placeholder, with or without the g flag', () => {
    const redact = createRedactor({ extraPatterns: [/ACME-\d{8}/, /tenant-[a-f0-9]{6}/gi] });
    expect(redact('ACME-12345678 and ACME-87654321 in TENANT-ABC123')).toBe(
      '[REDACTED:custom] and [REDACTED:custom] in [REDACTED:custom]',
    );
    // An empty match must not sprinkle placeholders between characters.
    expect(createRedactor({ extraPatterns: [/z*/g] })('abc')).toBe('abc');
  });
});

describe('redactText: idempotence', () => {
  const samples = [
    `key ${KEYS.anthropic}, mail bob@example.org, path /home/bob/x`,
    `Authorization: Bearer ${KEYS.ghp}`,
    `{"password": "hunter2", "token": "${JWT}"}`,
    'https://u:pw@host/x',
    PEM,
    `${'lorem ipsum '.repeat(300)}${KEYS.npm}`,
    'password="',
  ];
  it.each(samples.map((s) => [s.slice(0, 40), s]))('%s', (_label, text) => {
    const once = redactText(text);
    expect(redactText(once)).toBe(once);
  });
});

// Generated secrets embedded in generated prose: the output never contains the secret.
const alnum = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...ALNUM), minLength: min, maxLength: max });
const withDigit = (min: number, max: number): fc.Arbitrary<string> =>
  fc.tuple(alnum(min - 1, max - 1), fc.constantFrom(...'0123456789')).map(([s, d]) => s + d);
const user = fc.tuple(fc.constantFrom('alice', 'bob', 'carol', 'dmitri', 'eve'), fc.nat(999)).map(([n, i]) => `${n}${i}x`);

/** [text to embed, the part that must not survive]. */
const secretArb: fc.Arbitrary<[string, string]> = fc.oneof(
  alnum(48, 48).map((b) => `sk-${b}`),
  fc.string({ unit: fc.constantFrom(...B64URL), minLength: 40, maxLength: 160 }).map((b) => `sk-proj-${b}`),
  fc.string({ unit: fc.constantFrom(...B64URL), minLength: 90, maxLength: 95 }).map((b) => `sk-ant-api03-${b}`),
  fc.string({ unit: fc.constantFrom(...B64URL), minLength: 35, maxLength: 35 }).map((b) => `AIza${b}`),
  fc.tuple(fc.constantFrom('AKIA', 'ASIA'), fc.string({ unit: fc.constantFrom(...UPPER32), minLength: 16, maxLength: 16 })).map(([p, b]) => p + b),
  fc.tuple(fc.constantFrom('ghp_', 'gho_', 'ghs_', 'ghu_', 'ghr_'), alnum(36, 40)).map(([p, b]) => p + b),
  fc.tuple(alnum(22, 22), alnum(59, 59)).map(([a, b]) => `github_pat_${a}_${b}`),
  fc.string({ unit: fc.constantFrom(...B64URL), minLength: 20, maxLength: 26 }).map((b) => `glpat-${b}`),
  fc.tuple(fc.constantFrom(...'abposr'), alnum(24, 40)).map(([c, b]) => `xox${c}-${b}`),
  fc.tuple(fc.constantFrom('sk', 'rk'), alnum(24, 99)).map(([p, b]) => `${p}_live_${b}`),
  alnum(34, 34).map((b) => `hf_${b}`),
  alnum(36, 36).map((b) => `npm_${b}`),
  fc.tuple(alnum(10, 30), alnum(10, 60), alnum(20, 43)).map(([a, b, c]) => `eyJ${a}.eyJ${b}.${c}`),
  fc.array(fc.string({ unit: fc.constantFrom(...B64), minLength: 64, maxLength: 64 }), { minLength: 1, maxLength: 5 }).map(
    (lines) => `-----BEGIN EC PRIVATE KEY-----\n${lines.join('\n')}\n-----END EC PRIVATE KEY-----`,
  ),
).map((s) => [s, s] as [string, string]);

const contextualArb: fc.Arbitrary<[string, string]> = fc.oneof(
  withDigit(8, 20).map((p) => [`https://deploy:${p}@git.example.com/repo`, p] as [string, string]),
  withDigit(6, 24).map((p) => [`DB_PASSWORD=${p}`, p] as [string, string]),
  withDigit(6, 24).map((p) => [`"api_key": "${p}"`, p] as [string, string]),
  fc.string({ unit: fc.constantFrom(...B64), minLength: 40, maxLength: 40 }).map(
    (s) => [`aws_secret_access_key=${s}`, s] as [string, string],
  ),
  withDigit(16, 40).map((t) => [`Authorization: Bearer ${t}`, t] as [string, string]),
  fc.tuple(user, fc.constantFrom('example.com', 'corp.example.org')).map(([u, d]) => [`${u}@${d}`, `${u}@${d}`] as [string, string]),
  user.map((u) => [`/home/${u}/work/file.py`, u] as [string, string]),
  user.map((u) => [`/Users/${u}/Library/x`, u] as [string, string]),
  user.map((u) => [`C:\\Users\\${u}\\AppData`, u] as [string, string]),
);

const word = fc.constantFrom('error', 'failed', 'at', 'the', 'deploy', 'step', 'retry', 'with', 'key', 'token', 'for', 'in');
const sep = fc.constantFrom(' ', '\n', ': ', ' (', ') ', ', ', '"', ' \'', ' = ', '\t');
const piece = fc.oneof(
  { weight: 3, arbitrary: word.map((w) => [w, null] as [string, string | null]) },
  { weight: 1, arbitrary: fc.oneof(secretArb, contextualArb) },
);
const textArb = fc
  .array(fc.tuple(piece, sep), { minLength: 1, maxLength: 12 })
  .map((parts) => ({
    text: parts.map(([[s], sp]) => s + sp).join(''),
    secrets: parts.flatMap(([[, secret]]) => (secret === null ? [] : [secret])),
  }));

describe('redactText: properties', () => {
  it('output never contains a generated secret', () => {
    const redact = createRedactor();
    fc.assert(
      fc.property(textArb, ({ text, secrets }) => {
        const out = redact(text);
        for (const s of secrets) expect(out).not.toContain(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('redacts a truncated text until redacting it again changes nothing', () => {
    // Found by the property below: `token: error aws_…` is prose, `token: error …[truncated`
    // (the words after it cut off) is a value.
    const redact = createRedactor({ maxLength: 64 });
    const once = redact(`error error token: error aws_secret_access_key=${'A'.repeat(40)} error `);
    expect(once).toBe('error error token: [REDACTED:secret] …[truncated 54 chars]');
    expect(redact(once)).toBe(once);
  });

  it('redacting twice equals redacting once, truncated or not', () => {
    fc.assert(
      fc.property(textArb, fc.integer({ min: 64, max: 400 }), ({ text }, maxLength) => {
        const redact = createRedactor({ maxLength });
        const once = redact(text);
        expect(once.length).toBeLessThanOrEqual(maxLength);
        expect(redact(once)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });
});
