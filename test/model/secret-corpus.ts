/**
 * The redaction corpus: real-format secrets in the lines they turn up in (error messages,
 * `.env` files, shell history, HTTP headers, connection strings), and ordinary log lines that
 * must come out unchanged. Secrets are assembled at run time from a seeded generator: each
 * has its format's real shape and length, and no literal key sits in the repository for
 * secret scanners to flag. docs/privacy.md reports the figures these give.
 */

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const HEX = '0123456789abcdef';
const B64URL = `${ALNUM}_-`;
const B64 = `${ALNUM}+/`;
const UPPER32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

let state = 0x5eed_cafe;
function pick(n: number, alphabet: string): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    s += alphabet[(state >>> 8) % alphabet.length];
  }
  return s;
}
const an = (n: number): string => pick(n, ALNUM);
const hex = (n: number): string => pick(n, HEX);
const digits = (n: number): string => pick(n, '0123456789');
const b64url = (s: string): string => Buffer.from(s).toString('base64url');

/** One secret and a line it appears in. `secret` is the part that must not survive. */
export interface CorpusSecret {
  name: string;
  category: 'cloud' | 'vcs' | 'chat' | 'payment' | 'model-provider' | 'package-registry' | 'database' | 'pem' | 'jwt' | 'header' | 'env' | 'cli' | 'saas';
  secret: string;
  line: string;
}

function make(): CorpusSecret[] {
  const out: CorpusSecret[] = [];
  const add = (name: string, category: CorpusSecret['category'], secret: string, line: (s: string) => string): void => {
    out.push({ name, category, secret, line: line(secret) });
  };
  // Cloud
  add('AWS access key id', 'cloud', `AKIA${pick(16, UPPER32)}`, (s) => `The AWS Access Key Id you provided does not exist in our records: ${s}`);
  add('AWS session key id', 'cloud', `ASIA${pick(16, UPPER32)}`, (s) => `aws sts: credentials ${s} expired`);
  add('AWS secret access key', 'cloud', pick(40, B64), (s) => `aws_secret_access_key = ${s}`);
  add('GCP API key', 'cloud', `AIza${pick(35, B64URL)}`, (s) => `GET https://generativelanguage.googleapis.com/v1/models?key=${s} 403`);
  add('GCP OAuth access token', 'cloud', `ya29.${pick(120, B64URL)}`, (s) => `gcloud: using token ${s}`);
  add('GCP OAuth client secret', 'cloud', `GOCSPX-${pick(28, B64URL)}`, (s) => `oauth client configured with ${s}`);
  add('Azure storage account key', 'cloud', `${pick(86, B64)}==`, (s) => `DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey=${s};EndpointSuffix=core.windows.net`);
  add('Azure SAS signature', 'cloud', pick(43, B64) + '=', (s) => `upload failed: https://acmelogs.blob.core.windows.net/c/x.bin?sv=2022-11-02&ss=b&sp=rw&sig=${s}`);
  add('Azure OpenAI key', 'cloud', hex(32), (s) => `AZURE_OPENAI_API_KEY=${s}`);
  add('DigitalOcean token', 'cloud', `dop_v1_${hex(64)}`, (s) => `doctl auth init --access-token ${s}`);
  add('Cloudflare API token', 'cloud', pick(40, B64URL), (s) => `CLOUDFLARE_API_TOKEN=${s}`);
  add('Heroku API key', 'cloud', `HRKU-${pick(60, B64URL)}`, (s) => `heroku: unauthorized with ${s}`);
  add('Fly.io token', 'cloud', `fo1_${pick(43, B64URL)}`, (s) => `fly deploy -t ${s}`);
  add('Vault token', 'cloud', `hvs.${pick(90, B64URL)}`, (s) => `vault login ${s}`);
  add('Doppler token', 'cloud', `dp.pt.${an(43)}`, (s) => `DOPPLER_TOKEN="${s}"`);
  add('Databricks token', 'cloud', `dapi${hex(32)}`, (s) => `databricks: 403 for ${s}`);
  // VCS
  add('GitHub classic PAT', 'vcs', `ghp_${an(36)}`, (s) => `remote: Invalid username or token ${s}`);
  add('GitHub OAuth token', 'vcs', `gho_${an(36)}`, (s) => `gh auth: ${s}`);
  add('GitHub fine-grained PAT', 'vcs', `github_pat_${an(22)}_${an(59)}`, (s) => `git clone https://x-access-token:${s}@github.com/acme/api.git`);
  add('GitLab PAT', 'vcs', `glpat-${pick(20, B64URL)}`, (s) => `curl --header "PRIVATE-TOKEN: ${s}" https://gitlab.example.com/api/v4/projects`);
  add('GitLab CI job token', 'vcs', `glcbt-${pick(24, B64URL)}`, (s) => `CI_JOB_TOKEN=${s}`);
  add('Bitbucket app password', 'vcs', `ATBB${an(32)}`, (s) => `bitbucket: auth failed for ${s}`);
  add('Atlassian API token', 'vcs', `ATATT3x${pick(180, B64URL)}`, (s) => `JIRA_API_TOKEN=${s}`);
  // Chat
  add('Slack bot token', 'chat', `xoxb-${digits(12)}-${digits(13)}-${an(24)}`, (s) => `slack: not_authed for ${s}`);
  add('Slack user token', 'chat', `xoxp-${digits(12)}-${digits(12)}-${digits(13)}-${hex(32)}`, (s) => `SLACK_TOKEN=${s}`);
  add('Slack webhook', 'chat', `T${pick(10, UPPER_ALNUM)}/B${pick(10, UPPER_ALNUM)}/${an(24)}`, (s) => `POST https://hooks.slack.com/services/${s} failed: 404`);
  add('Discord bot token', 'chat', `M${an(25)}.${pick(6, B64URL)}.${pick(38, B64URL)}`, (s) => `discord.py: improper token ${s} has been passed`);
  add('Discord webhook', 'chat', `${digits(19)}/${pick(68, B64URL)}`, (s) => `webhook https://discord.com/api/webhooks/${s} rate limited`);
  add('Telegram bot token', 'chat', `${digits(10)}:AA${pick(33, B64URL)}`, (s) => `telegram: 401 Unauthorized for bot${s}`);
  add('Twilio API key', 'chat', `SK${hex(32)}`, (s) => `twilio: using API key ${s}`);
  add('Twilio auth token', 'chat', hex(32), (s) => `TWILIO_AUTH_TOKEN=${s}`);
  add('SendGrid key', 'chat', `SG.${pick(22, B64URL)}.${pick(43, B64URL)}`, (s) => `sendgrid: 401 for ${s}`);
  add('Mailgun key', 'chat', `key-${hex(32)}`, (s) => `mailgun api ${s} rejected`);
  add('Mailchimp key', 'chat', `${hex(32)}-us${digits(2)}`, (s) => `mailchimp: API key ${s} invalid`);
  // Payment
  add('Stripe secret key', 'payment', `sk_live_${an(99)}`, (s) => `stripe.error.AuthenticationError: Invalid API Key provided: ${s}`);
  add('Stripe restricted key', 'payment', `rk_live_${an(99)}`, (s) => `STRIPE_KEY=${s}`);
  add('Stripe webhook secret', 'payment', `whsec_${an(32)}`, (s) => `webhook secret ${s} did not match`);
  add('Square access token', 'payment', `sq0atp-${pick(22, B64URL)}`, (s) => `square: token ${s} revoked`);
  add('Shopify access token', 'payment', `shpat_${hex(32)}`, (s) => `X-Shopify-Access-Token: ${s}`);
  // Model providers
  add('OpenAI project key', 'model-provider', `sk-proj-${pick(156, B64URL)}`, (s) => `openai.AuthenticationError: Incorrect API key provided: ${s}.`);
  add('OpenAI legacy key', 'model-provider', `sk-${an(48)}`, (s) => `export OPENAI_API_KEY=${s}`);
  add('Anthropic key', 'model-provider', `sk-ant-api03-${pick(93, B64URL)}AA`, (s) => `anthropic: invalid x-api-key ${s}`);
  add('Hugging Face token', 'model-provider', `hf_${pick(34, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')}`, (s) => `huggingface_hub: 401 for token ${s}`);
  add('Groq key', 'model-provider', `gsk_${an(52)}`, (s) => `GROQ_API_KEY=${s}`);
  add('Replicate token', 'model-provider', `r8_${an(37)}`, (s) => `replicate: 401 with ${s}`);
  add('Perplexity key', 'model-provider', `pplx-${an(48)}`, (s) => `perplexity key ${s} is invalid`);
  add('xAI key', 'model-provider', `xai-${an(80)}`, (s) => `xai: bad key ${s}`);
  add('Mistral key', 'model-provider', an(32), (s) => `MISTRAL_API_KEY=${s}`);
  add('Cohere key', 'model-provider', an(40), (s) => `co = cohere.Client(api_key="${s}")`);
  // Package registries
  add('npm token', 'package-registry', `npm_${an(36)}`, (s) => `//registry.npmjs.org/:_authToken=${s}`);
  add('PyPI upload token', 'package-registry', `pypi-AgEIcHlwaS5vcmc${pick(140, B64URL)}`, (s) => `twine upload -u __token__ -p ${s} dist/*`);
  add('RubyGems key', 'package-registry', `rubygems_${hex(48)}`, (s) => `GEM_HOST_API_KEY=${s}`);
  add('NuGet key', 'package-registry', `oy2${pick(43, LOWER_ALNUM)}`, (s) => `dotnet nuget push pkg.nupkg --api-key ${s}`);
  add('Docker Hub PAT', 'package-registry', `dckr_pat_${pick(27, B64URL)}`, (s) => `docker login -u acme -p ${s}`);
  // Databases
  add('PostgreSQL URL password', 'database', `pg${an(14)}`, (s) => `connection to postgres://app:${s}@db.internal:5432/prod failed`);
  add('MongoDB SRV password', 'database', `Mg${an(18)}`, (s) => `MONGODB_URI=mongodb+srv://admin:${s}@cluster0.ab1cd.mongodb.net/?retryWrites=true`);
  add('Redis URL password', 'database', `rd${an(22)}`, (s) => `redis.exceptions.AuthenticationError: redis://:${s}@cache:6379/0`);
  add('MySQL CLI password', 'database', `My${an(14)}!`, (s) => `mysql -h db -u root --password=${s} app`);
  add('DB password in .env', 'database', `Pw${an(16)}`, (s) => `DB_PASS=${s}`);
  add('JDBC password', 'database', `Jd${an(14)}`, (s) => `jdbc:sqlserver://db:1433;databaseName=app;user=sa;password=${s};`);
  // PEM
  add('RSA private key', 'pem', `MIIEow${Array.from({ length: 6 }, () => pick(64, B64)).join('\n')}`, (s) => `-----BEGIN RSA PRIVATE KEY-----\n${s}\n-----END RSA PRIVATE KEY-----`);
  add('OpenSSH private key', 'pem', `b3BlbnNzaC1rZXktdjEAAAAA${Array.from({ length: 4 }, () => pick(70, B64)).join('\n')}`, (s) => `-----BEGIN OPENSSH PRIVATE KEY-----\n${s}\n-----END OPENSSH PRIVATE KEY-----`);
  add('age secret key', 'pem', `AGE-SECRET-KEY-1${pick(58, 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L'.toUpperCase())}`, (s) => `age: identity ${s}`);
  // JWT
  add('JWT', 'jwt', [b64url('{"alg":"HS256","typ":"JWT"}'), b64url(`{"sub":"${digits(10)}","iat":1733236222}`), pick(43, B64URL)].join('.'), (s) => `session ${s} expired`);
  add('Supabase service key', 'jwt', [b64url('{"alg":"HS256","typ":"JWT"}'), b64url('{"role":"service_role","iss":"supabase"}'), pick(43, B64URL)].join('.'), (s) => `SUPABASE_SERVICE_ROLE_KEY=${s}`);
  // Authorization headers
  add('Bearer header', 'header', pick(48, B64URL), (s) => `Authorization: Bearer ${s}`);
  add('Basic header', 'header', Buffer.from(`deploy:${an(16)}`).toString('base64'), (s) => `Authorization: Basic ${s}`);
  add('Token header', 'header', hex(40), (s) => `Authorization: token ${s}`);
  add('API key header', 'header', an(32), (s) => `x-api-key: ${s}`);
  // .env lines and config
  add('.env secret key', 'env', an(50), (s) => `DJANGO_SECRET_KEY=${s}`);
  add('.env client secret', 'env', pick(40, B64URL), (s) => `AUTH0_CLIENT_SECRET="${s}"`);
  add('.env encryption key', 'env', pick(44, B64), (s) => `ENCRYPTION_KEY=${s}`);
  add('YAML password', 'env', `Yp${an(14)}#1`, (s) => `password: ${s}`);
  add('JSON token', 'env', an(40), (s) => `{"refresh_token": "${s}", "expires_in": 3600}`);
  // CLI flags
  add('--token flag', 'cli', an(32), (s) => `agentctl push --token ${s} --region eu`);
  add('--password flag', 'cli', `Cl${an(12)}9`, (s) => `psql --password ${s} -h db`);
  add('--api-key= flag', 'cli', an(40), (s) => `client --api-key=${s}`);
  add('-p flag', 'cli', `Sh${an(14)}`, (s) => `sshpass -p ${s} ssh deploy@10.0.0.4`);
  // SaaS
  add('Linear key', 'saas', `lin_api_${an(40)}`, (s) => `linear: ${s} unauthorized`);
  add('Notion token', 'saas', `ntn_${an(46)}`, (s) => `NOTION_TOKEN=${s}`);
  add('Postman key', 'saas', `PMAK-${hex(24)}-${hex(34)}`, (s) => `postman api ${s}`);
  add('Sentry auth token', 'saas', `sntrys_${pick(120, B64URL)}`, (s) => `sentry-cli --auth-token ${s} releases new`);
  add('Grafana service account token', 'saas', `glsa_${an(32)}_${hex(8)}`, (s) => `grafana: ${s} forbidden`);
  add('New Relic key', 'saas', `NRAK-${pick(27, UPPER_ALNUM)}`, (s) => `newrelic: NRAK key ${s}`);
  add('PlanetScale token', 'saas', `pscale_tkn_${pick(43, B64URL)}`, (s) => `pscale: ${s} invalid`);
  add('Supabase access token', 'saas', `sbp_${hex(40)}`, (s) => `supabase login --token ${s}`);
  return out;
}

/** At least 60 secrets, one per format (a few formats twice, in different lines). */
export const SECRETS: readonly CorpusSecret[] = make();

/** The encoded forms a secret arrives in. */
export const FORMS = ['plain', 'json', 'url', 'form'] as const;
export type Form = (typeof FORMS)[number];

/**
 * `line` as it arrives in each form: as is; JSON-escaped inside a log a tool wrote as JSON,
 * with a `\n` right before it; URL-encoded in a query string; form-encoded in a body.
 */
export function encode(line: string, form: Form): string {
  switch (form) {
    case 'plain':
      return line;
    case 'json':
      return JSON.stringify({ level: 'error', msg: `request failed\n${line}` });
    case 'url':
      return `GET https://hooks.example.com/notify?status=failed&detail=${encodeURIComponent(line)}`;
    case 'form':
      return `status=failed&${new URLSearchParams({ detail: line }).toString()}`;
  }
}

/** The text a reader of the stored value would see, undoing `form`. */
export function decode(text: string, form: Form): string {
  switch (form) {
    case 'plain':
      return text;
    case 'json':
      return text.replace(/\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))/g, (_m, u: string | undefined, c: string | undefined) =>
        u !== undefined ? String.fromCharCode(parseInt(u, 16)) : ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[c as string] ?? (c as string),
      );
    case 'url':
    case 'form':
      return (form === 'form' ? text.replace(/\+/g, ' ') : text).replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
        try {
          return decodeURIComponent(m);
        } catch {
          return m;
        }
      });
  }
}

/**
 * Whether any of `secret` survives in `stored` (read back through `form`): the whole secret
 * or any 12-character stretch of it (a shorter secret: the whole), in plain or encoded text.
 */
export function leaks(stored: string, secret: string, form: Form): boolean {
  const views = [stored, decode(stored, form), decode(decode(stored, form), 'url')];
  const n = Math.min(12, secret.length);
  for (const part of secret.split('\n')) {
    for (let i = 0; i + n <= part.length; i++) {
      const w = part.slice(i, i + n);
      if (views.some((v) => v.includes(w))) return true;
    }
  }
  return false;
}

/**
 * Ordinary log lines: nothing in them is a secret, an address or a home path; redaction
 * should leave them as they are. The three first ones were mangled once.
 */
export const ORDINARY_LINES: readonly string[] = [
  'passwd: all authentication tokens updated successfully.',
  'password: too short (min 12 characters)',
  'the --token flag is deprecated, use --auth instead',
  'Token expired; run `gh auth login` again',
  'error: password authentication failed for user "app"',
  'hint: set PGPASSWORD or use a .pgpass file',
  'WARN  token budget exceeded: 131072 > 128000 tokens',
  'max_tokens: 4096, temperature: 0.2, top_p: 0.95',
  'usage: input_tokens=1532 output_tokens=211 cache_read_input_tokens=0',
  'secret rotation completed for 3 services',
  'Key "user_id" not found in payload',
  'KeyError: \'gen_ai.request.model\'',
  'api key is missing: set OPENAI_API_KEY',
  'credentials: not configured (see docs/setup.md)',
  'authorization failed: the caller lacks the repo scope',
  'Bearer authentication is required for this endpoint',
  'commit 3f2a9c1d8e7b6a5f4c3d2e1f0a9b8c7d6e5f4a3b: fix flaky test',
  'HEAD is now at 9fceb02 Merge pull request #1423 from acme/fix-retry',
  'run 0194a0b8-1c2d-7e3f-8a9b-0c1d2e3f4a5b finished in 41.2s',
  'trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7',
  'request id: 8d7c6b5a-4f3e-2d1c-0b9a-8f7e6d5c4b3a',
  'artifact sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'payload (base64): eyBhOiAxIH0gaXMgbm90IGEga2V5Lg==',
  'thumbnail data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'GET https://api.github.com/repos/acme/api/pulls?state=open&per_page=100 200 312ms',
  'POST https://gitlab.example.com/api/v4/projects/168/pipelines 201',
  'fetching https://pypi.org/simple/requests/ (cached)',
  'redirect to https://login.example.com/oauth/authorize?client_id=agentmeter&response_type=code&state=xyz',
  'Connecting to postgres://db.internal:5432/prod ...',
  'git fetch origin refs/heads/main:refs/remotes/origin/main',
  'npm WARN deprecated inflight@1.0.6: This module is not supported',
  'pip install torch==2.5.1+cu121 --index-url https://download.pytorch.org/whl/cu121',
  'Compiling kernel matmul_f16_128x128x32 (variant 7 of 12)',
  'autotune: 240 samples, best 0.412 ms (baseline 1.730 ms), speedup 4.20x',
  'pipeline #4259 failed at stage test (attempt 2 of 3)',
  'FAILED tests/test_auth.py::test_refresh_token_rotation - AssertionError: 401 != 200',
  'PASSED tests/test_login.py::test_password_reset_email',
  'ValueError: invalid literal for int() with base 10: \'abc\'',
  'TypeError: Cannot read properties of undefined (reading \'token\')',
  'at Object.<anonymous> (src/auth/session.ts:42:17)',
  '  File "app/auth.py", line 88, in verify_password',
  'docker: Error response from daemon: pull access denied for acme/api, repository does not exist',
  'ssh: connect to host 10.0.0.4 port 22: Connection refused',
  'kubectl get secret api-credentials -n prod -o yaml',
  'Created secret "api-credentials" in namespace prod',
  'terraform: Apply complete! Resources: 3 added, 1 changed, 0 destroyed.',
  'Using cache key linux-node-20-8f14e45fceea167a5a36dedd4bea2543',
  'cache-key: npm-deps-v2 restored',
  'partition_key=2025-01-08 sort_key=ts',
  'rate limit: 4999 of 5000 requests remaining, resets at 2025-01-08T12:00:00Z',
  'retrying in 2.5s (attempt 3/8): ECONNRESET',
  'GC: heap 412 MB of 2048 MB, pause 12 ms',
  'debugging cycle resolved after 3 attempts (error type: test_failure)',
  'review agent requested changes: 2 comments on src/api/routes.ts',
  'The password field must be at least 12 characters.',
  'password reset link sent',
  'auth: token refresh scheduled in 300s',
  'OAuth token exchange returned 400 invalid_grant',
  'secret_scanning: 0 alerts',
  'set -euo pipefail; echo "done"',
  'curl -sS https://example.com/healthz -o /dev/null -w "%{http_code}"',
  'encodeURIComponent("a b") === "a%20b"',
  'status=failed&detail=timeout+after+30s',
  'C++ build: 12 warnings, 0 errors',
  'token: ghost-writer agent finished',
  'ssh-keygen -t ed25519 -C "deploy key for ci"',
  'Public key fingerprint SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8',
  'Fetched 3 objects, 1.2 KiB | 1.2 MiB/s',
  'batch 12/40: 5000 events, 1.1 MB',
  'Step 4/9 : RUN npm ci --omit=dev',
  'Successfully built 5f2c1a9b3d7e',
  'pod/api-7d9f8b6c5-x2k4q condition met',
  'Warning: resource deployments/api is missing the kubectl.kubernetes.io/last-applied-configuration annotation',
  'Traceback (most recent call last):',
  'requests.exceptions.ConnectionError: HTTPSConnectionPool(host=\'api.example.com\', port=443): Max retries exceeded',
  'openai.RateLimitError: Error code: 429 - You exceeded your current quota',
  'anthropic.APIStatusError: overloaded_error (529)',
  'INFO:     127.0.0.1:53422 - "POST /v1/chat/completions HTTP/1.1" 200 OK',
  '2025-01-08T12:00:00.123Z DEBUG agent=coding attempt=2 model=deepseek-chat temperature=0.0',
  'Loaded 1,234 events from 12 segments in 0.8 s',
  'jest: Tests: 3 failed, 141 passed, 144 total',
  'eslint: 0 problems (0 errors, 0 warnings)',
  'tsc: src/server/app.ts(12,5): error TS2322: Type \'string\' is not assignable to type \'number\'.',
  'vite v6.0.7 building for production... 212 modules transformed.',
  'Cloning into \'api\'... remote: Enumerating objects: 1523, done.',
  'Switched to a new branch \'fix/retry-backoff\'',
  'Your branch is ahead of \'origin/main\' by 2 commits.',
  'merge conflict in src/auth/keys.ts',
  'Note: the signing key will rotate on 2025-02-01',
  'checking key rotation policy... ok',
  'Session expired, please log in again',
  'Login succeeded',
  'Permission denied (publickey).',
  'The authenticity of host \'10.0.0.4 (10.0.0.4)\' can\'t be established.',
  'ED25519 key fingerprint is SHA256:Xk3j9P0q2vLmN8rT5sW1yZ4aB7cD0eF3gH6iJ9kL2mN.',
  'certificate verify failed: unable to get local issuer certificate',
  'TLS handshake timeout after 10s',
  'disk usage 81% on /var/lib/postgresql',
  'VACUUM ANALYZE am_events_20250108; 0 dead tuples',
  'COPY 5000',
  'ERROR:  duplicate key value violates unique constraint "am_events_pkey"',
  'query took 412 ms: SELECT count(*) FROM am_events WHERE ts >= $1',
  'cron: job nightly-report started (pid 4312)',
  'systemd[1]: Started agentmeter.service - agentmeter ingest.',
  'kernel: Out of memory: Killed process 9921 (node)',
  'CUDA out of memory. Tried to allocate 2.00 GiB',
  'triton autotune: BLOCK_M=128 BLOCK_N=64 num_warps=4 -> 0.213 ms',
  'variant 3 failed validation: max abs error 1.2e-3 > tol 1e-4',
  'promoted variant 7 (speedup 1.84x over baseline)',
];
