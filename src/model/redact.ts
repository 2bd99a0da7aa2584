/**
 * The one redaction function on the write path (docs/privacy.md). Every free-text value that is
 * kept (error messages, notes, task descriptions, string attributes) passes through it before
 * it is written: secrets become typed placeholders (`[REDACTED:openai_key]`), e-mail addresses
 * `[REDACTED:email]`, home directories `~`. It fails closed: when anything goes wrong the
 * result is `[REDACTED]`, never the raw text. See docs/privacy.md.
 */
import { AgentmeterError } from './diagnostics.js';

/** Options of `createRedactor` / `redactText`. */
export interface RedactOptions {
  /**
   * Home directories to write as `~` besides the standard `/home/<user>`, `/Users/<user>` and
   * `C:\Users\<user>` (e.g. `os.homedir()` when it lives elsewhere). Relative paths and the
   * filesystem root are ignored.
   */
  homeDirs?: readonly string[];
  /** Longest result in characters, marker included. Default 2000; at least 64. */
  maxLength?: number;
  /** Further secrets to replace with `[REDACTED:custom]`; a missing `g` flag is added. */
  extraPatterns?: readonly RegExp[];
}

/** What a redactor returns when redaction itself failed: nothing of the input survives. */
const FAILED = '[REDACTED]';
const DEFAULT_MAX_LENGTH = 2000;
const MIN_MAX_LENGTH = 64;
// Redaction runs on at most this much more than maxLength, so a megabyte of error text costs
// no more than a few kilobytes; whatever lies past the window is dropped unseen.
const WINDOW_SLACK = 4096;
const PLACEHOLDER_START = '[REDACTED';
const MAX_WORD_BACKOFF = 64;
const MAX_PASSES = 4;
// A redactor remembers this many results of texts up to this long.
const MAX_REMEMBERED = 1024;
const MAX_REMEMBERED_LENGTH = 256;
const MARKER_RE = /…\[truncated \d+ chars\]$/;

type Replacer = (match: string, ...groups: string[]) => string;

interface Rule {
  re: RegExp;
  replace: string | Replacer;
  /** A substring (or cheap pattern) every match contains; the rule is skipped without it. */
  hint?: string | RegExp;
}

const ph = (type: string): string => `[REDACTED:${type}]`;

/** Placeholders, masks and empty values are left alone: that makes redaction idempotent. */
function isInert(value: string): boolean {
  // Only a whole placeholder: `[REDACTED:x] = DB_PASSWORD=…` still holds a secret after it.
  return INERT_VALUE.test(value.trim());
}
const INERT_VALUE = /^(?:\[REDACTED(?::\w+)?\][)\]}>.]*|null|none|nil|true|false|undefined|\**)$/i;

/**
 * A key/value secret: keep the key, separator and quotes, replace the value. The value group
 * alternates escaped-quoted (JSON inside a string), quoted (unterminated too: the closing
 * quote may have been cut off) and bare forms.
 */
function keepKeyReplaceValue(type: string, secretLikeOnly = false): Replacer {
  return (match, key, sep, value, offset, whole) => {
    if (isProse(sep, value, whole as unknown as string, (offset as unknown as number) + match.length)) return match;
    if (secretLikeOnly && !isSecretLike(value)) return match;
    let open = '';
    let inner = value;
    for (const q of ['\\"', '"', "'"]) {
      if (inner.startsWith(q)) {
        open = q;
        inner = inner.slice(q.length);
        if (inner.endsWith(q)) inner = inner.slice(0, -q.length);
        break;
      }
    }
    // The quote is always closed: an open one would swallow the rest of the line next time.
    return isInert(inner) ? match : `${key}${sep}${open}${ph(type)}${open}`;
  };
}

const SEP = String.raw`\\?["']?[ \t]*(?:=>|[:=])[ \t]*`;

// Words that say something about a secret rather than being one: `password: too short`,
// `token: expired`, `the --token flag is deprecated`.
const STATUS_WORDS = new Set([
  'all', 'any', 'none', 'not', 'no', 'is', 'was', 'are', 'too', 'set', 'unset', 'empty', 'missing', 'required', 'invalid',
  'expired', 'revoked', 'changed', 'updated', 'accepted', 'rejected', 'denied', 'ok', 'valid', 'provided', 'found',
  'present', 'absent', 'incorrect', 'wrong', 'mismatch', 'flag', 'option', 'field', 'must', 'should', 'will', 'has',
  'have', 'cannot', 'can', 'could', 'for', 'of', 'the', 'a', 'an', 'to', 'in', 'on', 'and', 'or', 'if', 'when', 'see',
  'reset', 'hidden', 'redacted', 'masked', 'omitted', 'unchanged', 'same', 'different', 'length', 'format', 'file',
]);
const WORD_RE = /^[a-z][a-z'-]*$/;
const NEXT_WORD_RE = /^[ \t]+[A-Za-z(]/;

/**
 * Whether a keyword's "value" reads as prose: a lower-case word that says something about
 * the secret (`too`, `expired`, `flag`), or, after `:` or a flag, a lower-case word followed
 * by more words (`passwd: all authentication tokens updated`). Secrets are rarely
 * lower-case dictionary words followed by a sentence; ordinary logs often are.
 */
function isProse(sep: string, value: string, whole: string, end: number): boolean {
  if (!WORD_RE.test(value)) return false;
  if (STATUS_WORDS.has(value)) return true;
  return !sep.includes('=') && NEXT_WORD_RE.test(whole.slice(end, end + 3));
}

/**
 * Whether a value under a generic name (`ENCRYPTION_KEY=`, `-p …`) looks like a secret: no
 * spaces, and at least 16 characters of two kinds (lower case, upper case, digits, other
 * symbols; `-` and `.` do not count) or 8 of three, so `partition_key=2025-01-08`,
 * `cache-key: npm-deps-v2` and `-p 8080:80` stay.
 */
function isSecretLike(value: string): boolean {
  const v = value.replace(/^\\?["']|\\?["']$/g, '');
  if (v.length < 8 || /\s/.test(v)) return false;
  const kinds = Number(/[a-z]/.test(v)) + Number(/[A-Z]/.test(v)) + Number(/\d/.test(v)) + Number(/[^\w.-]|_/.test(v));
  return kinds >= 3 || (kinds >= 2 && v.length >= 16);
}
const VALUE_ITEM = String.raw`\\"[^"\n]*?\\"|\\"[^"\s]*|"[^"\n]*"?|'[^'\n]*'?|[^\s"',;&{]+`;
// A value followed by another separator was itself a key (`token = "api_key": "…"`): the
// chain is redacted whole, or the inner key would vanish into the placeholder and its value
// stay behind.
const VALUE = String.raw`(?:${VALUE_ITEM})(?:[ \t]*(?:=>|[:=])[ \t]*(?:${VALUE_ITEM}))*`;

const KEYWORD_HINT = /pass|secret|token|key|credential/i;

/**
 * Tokens with a known prefix: [type, pattern source, hint]. Formats from the providers'
 * documentation and the public secret-scanning rule sets (gitleaks, GitHub secret scanning).
 */
const PREFIX_TOKENS: readonly (readonly [string, string, string | RegExp])[] = [
  ['pypi_token', String.raw`(?<![\w-])pypi-AgE[\w-]{50,}`, 'pypi-'],
  ['sendgrid_key', String.raw`(?<![\w-])SG\.[\w-]{20,24}\.[\w-]{40,46}`, 'SG.'],
  ['twilio_key', String.raw`(?<![A-Za-z0-9])SK[0-9a-fA-F]{32}(?![A-Za-z0-9])`, 'SK'],
  ['mailgun_key', String.raw`(?<![\w-])key-[0-9a-f]{32}(?![A-Za-z0-9])`, 'key-'],
  ['mailchimp_key', String.raw`(?<![A-Za-z0-9])[0-9a-f]{32}-us\d{1,2}(?![A-Za-z0-9])`, '-us'],
  ['discord_token', String.raw`(?<![\w.-])[MNO][A-Za-z\d]{23,25}\.[\w-]{6}\.[\w-]{27,38}(?![\w-])`, '.'],
  ['telegram_token', String.raw`(?<!\d)\d{8,10}:AA[\w-]{33}(?![\w-])`, ':AA'],
  ['shopify_token', String.raw`(?<![\w-])shp(?:at|ss|ca|pa)_[0-9a-fA-F]{32}`, 'shp'],
  ['stripe_webhook_secret', String.raw`(?<![\w-])whsec_[A-Za-z0-9+/=]{24,}`, 'whsec_'],
  ['square_token', String.raw`(?<![\w-])sq0(?:atp|csp|idp)-[\w-]{22,}`, 'sq0'],
  ['digitalocean_token', String.raw`(?<![\w-])do[opr]_v1_[0-9a-f]{64}`, '_v1_'],
  ['databricks_token', String.raw`(?<![\w-])dapi[0-9a-f]{32}(?:-\d)?(?![A-Za-z0-9])`, 'dapi'],
  ['heroku_key', String.raw`(?<![\w-])HRKU-[\w-]{30,}`, 'HRKU-'],
  ['fly_token', String.raw`(?<![\w-])(?:fo1_[\w-]{40,}|FlyV1 fm\d_[\w+/=,-]{40,})`, /fo1_|FlyV1/],
  ['vault_token', String.raw`(?<![\w-])hv[sbr]\.[\w-]{24,}`, /hv[sbr]\./],
  ['doppler_token', String.raw`(?<![\w-])dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}`, 'dp.'],
  ['bitbucket_token', String.raw`(?<![\w-])ATBB[A-Za-z0-9]{28,}`, 'ATBB'],
  ['atlassian_token', String.raw`(?<![\w-])ATATT3[\w=-]{100,}`, 'ATATT3'],
  ['google_oauth_secret', String.raw`(?<![\w-])GOCSPX-[\w-]{24,}`, 'GOCSPX-'],
  ['groq_key', String.raw`(?<![\w-])gsk_[A-Za-z0-9]{48,}`, 'gsk_'],
  ['replicate_token', String.raw`(?<![\w-])r8_[A-Za-z0-9]{37,}`, 'r8_'],
  ['perplexity_key', String.raw`(?<![\w-])pplx-[A-Za-z0-9]{40,}`, 'pplx-'],
  ['xai_key', String.raw`(?<![\w-])xai-[A-Za-z0-9]{70,}`, 'xai-'],
  ['rubygems_key', String.raw`(?<![\w-])rubygems_[0-9a-f]{48}`, 'rubygems_'],
  ['nuget_key', String.raw`(?<![\w-])oy2[a-z0-9]{43}(?![a-z0-9])`, 'oy2'],
  ['docker_token', String.raw`(?<![\w-])dckr_pat_[\w-]{24,}`, 'dckr_pat_'],
  ['linear_key', String.raw`(?<![\w-])lin_(?:api|oauth)_[A-Za-z0-9]{40,}`, 'lin_'],
  ['notion_token', String.raw`(?<![\w-])(?:ntn_[A-Za-z0-9]{40,}|secret_[A-Za-z0-9]{43}(?![A-Za-z0-9]))`, /ntn_|secret_/],
  ['postman_key', String.raw`(?<![\w-])PMAK-[0-9a-f]{24}-[0-9a-f]{34}`, 'PMAK-'],
  ['sentry_token', String.raw`(?<![\w-])sntr[ysu]s?_[\w+/=]{40,}`, 'sntr'],
  ['grafana_token', String.raw`(?<![\w-])(?:glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})`, /gl(?:sa|c)_/],
  ['newrelic_key', String.raw`(?<![\w-])NR(?:AK|II|JS)-[A-Z0-9]{19,}`, 'NR'],
  ['planetscale_token', String.raw`(?<![\w-])pscale_(?:tkn|pw|oauth)_[\w.-]{32,}`, 'pscale_'],
  ['supabase_token', String.raw`(?<![\w-])sbp_[0-9a-f]{40}`, 'sbp_'],
  ['age_secret_key', String.raw`AGE-SECRET-KEY-1[0-9A-Z]{58}`, 'AGE-SECRET-KEY-'],
];

// A scheme word alone is not a credential: `Authorization: Bearer` cut short stays as it is.
const AUTH_SCHEMES = 'bearer|basic|digest|token|bot|apikey|negotiate|ntlm|aws4-hmac-sha256';

/**
 * The built-in rules, most specific first: a token with a known prefix gets its own type
 * before the generic `key=value` and header rules see it. Every rule requires one of the
 * substrings of `MAY_CONTAIN_SECRET`, which is what makes the pre-check sound.
 */
const SECRET_RULES: readonly Rule[] = [
  // Through END, or to the end of the text when END was cut off or never written.
  {
    re: /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    replace: ph('private_key'),
    hint: '-----BEGIN',
  },
  { re: /(?<![\w-])eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*(?:\.[\w-]+){0,2}/g, replace: ph('jwt'), hint: 'eyJ' },
  { re: /(?<![\w-])sk-ant-[\w-]{20,}/g, replace: ph('anthropic_key'), hint: 'sk-ant-' },
  // sk-, sk-proj-, sk-svcacct-, sk-admin-: all OpenAI formats share the prefix.
  { re: /(?<![\w-])sk-[\w-]{20,}/g, replace: ph('openai_key'), hint: 'sk-' },
  { re: /(?<![\w-])[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/g, replace: ph('stripe_key'), hint: /k_(?:live|test)_/ },
  { re: /(?<![\w-])AIza[\w-]{30,}/g, replace: ph('google_api_key'), hint: 'AIza' },
  { re: /(?<![\w-])ya29\.[\w-]{20,}/g, replace: ph('google_oauth_token'), hint: 'ya29.' },
  { re: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16,}/g, replace: ph('aws_access_key_id'), hint: /A[KS]IA|ABIA|ACCA/ },
  { re: /(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})/g, replace: ph('github_token'), hint: /gh[pousr]_|github_pat_/ },
  {
    re: /(?<![\w-])gl(?:pat|dt|rt|ptt|cbt|oas|soat|ffct|imt|agent|wt)-[\w-]{20,}/g,
    replace: ph('gitlab_token'),
    hint: /gl[a-z]{1,6}-/,
  },
  { re: /(?<![\w-])(?:xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,})/g, replace: ph('slack_token'), hint: /xox|xapp-/ },
  { re: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[\w/-]+/g, replace: ph('slack_webhook'), hint: 'hooks.slack.com' },
  { re: /(?<![\w-])hf_[A-Za-z0-9]{30,}/g, replace: ph('huggingface_token'), hint: 'hf_' },
  { re: /(?<![\w-])npm_[A-Za-z0-9]{30,}/g, replace: ph('npm_token'), hint: 'npm_' },
  ...PREFIX_TOKENS.map(([type, source, hint]): Rule => ({ re: new RegExp(source, 'g'), replace: ph(type), hint })),
  // Azure SAS: the signature of a shared-access URL.
  { re: /([?&]sig=)[^&\s"'<>]{16,}/g, replace: (m, head) => `${head}${ph('azure_sas')}`, hint: 'sig=' },
  { re: /https:\/\/(?:discord(?:app)?\.com|ptb\.discord\.com)\/api\/webhooks\/\d+\/[\w-]+/g, replace: ph('discord_webhook'), hint: 'discord' },
  {
    re: new RegExp(String.raw`(aws_?secret_?access_?key|secret_?access_?key)(${SEP}\\?["']?)([A-Za-z0-9/+=]{40})`, 'gi'),
    replace: (m, key, sep, value) => (isInert(value) ? m : `${key}${sep}${ph('aws_secret_key')}`),
    hint: /access_?key/i,
  },
  // scheme://user:password@host: the user and host stay, they say where the failure was.
  {
    re: /\b([A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/)([^\s:/?#@"'<>[\]]*):([^\s/?#"'<>]+)@/g,
    replace: (m, scheme, user, pass) => (isInert(pass) ? m : `${scheme}${user}:${ph('password')}@`),
    hint: '://',
  },
  {
    re: new RegExp(
      String.raw`\b((?:proxy-)?authorization)(${SEP}\\?["']?)((?:${AUTH_SCHEMES})[ \t]+)?(?!(?:${AUTH_SCHEMES})(?![^\s"',;\\]))([^\s"',;\\]+)`,
      'gi',
    ),
    replace: (m, key, sep, scheme = '', value) =>
      isInert(value) ? m : `${key}${sep}${scheme}${ph('authorization')}`,
    hint: /authorization/i,
  },
  // A pure-letter word after "bearer" is prose ("bearer authentication"), not a token.
  {
    re: /\b(bearer[ \t]+)(?![A-Za-z]+(?![\w.~+/=-]))([\w.~+/=-]{8,})/gi,
    replace: (m, head, value) => (isInert(value) ? m : `${head}${ph('bearer_token')}`),
    hint: /bearer/i,
  },
  // `/etc/passwd: No such file` is a path, not an assignment.
  {
    re: new RegExp(
      String.raw`(?<![/\\])(password|passwd|passphrase|(?<![A-Za-z])pass(?![A-Za-z])|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|account[_-]?key|shared[_-]?access[_-]?key|credentials?)(${SEP})(${VALUE})`,
      'gi',
    ),
    replace: keepKeyReplaceValue('secret'),
    hint: KEYWORD_HINT,
  },
  {
    re: new RegExp(
      String.raw`(?<![\w-])(--?(?:password|passwd|pass|token|secret|api-key|api_key|apikey|auth-token|access-token))([ \t]+)(${VALUE})`,
      'gi',
    ),
    replace: keepKeyReplaceValue('secret'),
    hint: KEYWORD_HINT,
  },
  // Generic names (`ENCRYPTION_KEY=`, `"signing-key": …`) and `-p <password>` (sshpass,
  // mysql): only a value that looks like a secret, so `partition_key=2025-01-08` and
  // `docker run -p 8080:80` stay.
  {
    re: new RegExp(String.raw`(\w[_-]key)(${SEP})(${VALUE})`, 'gi'),
    replace: keepKeyReplaceValue('secret', true),
    hint: /[_-]key/i,
  },
  {
    re: new RegExp(String.raw`(?<![\w-])(-p)([ \t]+)(${VALUE})`, 'g'),
    replace: keepKeyReplaceValue('secret', true),
    hint: '-p',
  },
];

// Usernames stop at separators and at characters that end a path in prose or code.
const USER = String.raw`[^/\\\s"'\`<>|:;,()[\]{}*?~]+`;

const HOME_RULES: readonly Rule[] = [
  // Not after a word character: `/nfs/home/x` and `https://host/Users/x` are not home paths.
  { re: new RegExp(String.raw`(?<![\w.~-])/(?:home|Users)/(?!Shared(?![^/\s]))${USER}`, 'g'), replace: '~', hint: /\/(?:home|Users)\// },
  { re: new RegExp(String.raw`(?<![\w])[A-Za-z]:(?:\\{1,2}|/)Users(?:\\{1,2}|/)${USER}`, 'gi'), replace: '~', hint: /users/i },
];

// `git@host:org/repo` is an SSH remote and `icon@2x.png` a file name, not addresses.
const EMAIL_RE =
  /(?<![\w.%+-])(?!git@)[A-Za-z0-9][\w.%+-]{0,63}@(?![0-9]+x\.)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

/**
 * One scan that rules out every secret rule at once for most short values (model names, ids,
 * file names): each rule's matches contain one of these.
 */
const MAY_CONTAIN_SECRET =
  /sk-|[sr]k_|AIza|ya29\.|A[KS]IA|ABIA|ACCA|gh[pousr]_|github_pat_|gl[a-z]{1,6}-|gl(?:sa|c)_|xox|xapp-|hf_|npm_|eyJ|-----BEGIN|bearer|authorization|:\/\/|pass|secret|token|key|credential|pypi-|SG\.|SK[0-9a-f]|-us\d|\.[\w-]{6}\.|:AA|shp|whsec_|sq0|_v1_|dapi|HRKU-|fo1_|FlyV1|hv[sbr]\.|dp\.|ATBB|ATATT3|GOCSPX-|gsk_|r8_|pplx-|xai-|rubygems_|oy2|dckr_pat_|lin_|ntn_|PMAK-|sntr|NR(?:AK|II|JS)-|pscale_|sbp_|sig=|discord|-p[ \t]/i;

interface Compiled {
  maxLength: number;
  windowLength: number;
  homeDirRules: Rule[];
  extraRules: Rule[];
}

function badOption(message: string): never {
  throw new AgentmeterError('E_MODEL_BAD_OPTION', `redact: ${message}`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One rule for the given home directories, longest first so a nested one wins. */
function compileHomeDirs(dirs: readonly string[]): Rule[] {
  const posix: string[] = [];
  const windows: string[] = [];
  for (const raw of dirs) {
    if (typeof raw !== 'string') badOption('homeDirs must be strings');
    const dir = raw.trim().replace(/[\\/]+$/, '');
    if (/^[A-Za-z]:[\\/]./.test(dir)) windows.push(dir);
    else if (dir.startsWith('/') && dir.length > 1) posix.push(dir);
  }
  const byLength = (a: string, b: string): number => b.length - a.length;
  const rules: Rule[] = [];
  // The lookahead stops `/srv/bob` from matching inside `/srv/bobby`.
  const end = String.raw`(?![^/\\\s"'\`<>|:;,()[\]{}])`;
  if (posix.length > 0) {
    const alt = [...new Set(posix)].sort(byLength).map(escapeRegExp).join('|');
    rules.push({ re: new RegExp(String.raw`(?<![\w.~-])(?:${alt})${end}`, 'g'), replace: '~' });
  }
  if (windows.length > 0) {
    const alt = [...new Set(windows)]
      .sort(byLength)
      .map((d) => d.split(/[\\/]+/).map(escapeRegExp).join(String.raw`(?:\\{1,2}|/)`))
      .join('|');
    rules.push({ re: new RegExp(String.raw`(?<![\w])(?:${alt})${end}`, 'gi'), replace: '~' });
  }
  return rules;
}

function compileExtra(patterns: readonly RegExp[]): Rule[] {
  return patterns.map((p) => {
    if (!(p instanceof RegExp)) badOption('extraPatterns must be RegExp objects');
    // Used as given when already global, so a subclass keeps its own behaviour.
    const re = p.global && !p.sticky ? p : new RegExp(p.source, p.flags.replace(/[gy]/g, '') + 'g');
    const replace: Replacer = (m) => (m === '' ? m : ph('custom'));
    return { re, replace };
  });
}

function compile(opts: RedactOptions | undefined): Compiled {
  if (opts === undefined || opts === null) opts = {};
  if (typeof opts !== 'object') badOption('options must be an object');
  const maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH;
  if (!Number.isSafeInteger(maxLength) || maxLength < MIN_MAX_LENGTH) {
    badOption(`maxLength must be an integer >= ${MIN_MAX_LENGTH}, got ${String(maxLength)}`);
  }
  const homeDirs = opts.homeDirs ?? [];
  const extra = opts.extraPatterns ?? [];
  if (!Array.isArray(homeDirs)) badOption('homeDirs must be an array of paths');
  if (!Array.isArray(extra)) badOption('extraPatterns must be an array of RegExp');
  return {
    maxLength,
    windowLength: maxLength + WINDOW_SLACK,
    homeDirRules: compileHomeDirs(homeDirs),
    extraRules: compileExtra(extra),
  };
}

// Characters that end a token: no secret format contains one (PEM and quoted values are
// handled by their rules reaching to the end of the text when cut).
const isBoundary = (c: number): boolean =>
  c <= 0x20 || c === 0x22 || c === 0x27 || c === 0x60 || c === 0x2c || c === 0x3b || c === 0x7c ||
  c === 0x28 || c === 0x29 || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === 0x3c || c === 0x3e;

/**
 * Cut raw text at `n`, dropping a token the cut runs through: half a key may no longer match
 * its pattern, and must not be kept.
 */
function cutBeforeToken(text: string, n: number): string {
  let i = n;
  if (!isBoundary(text.charCodeAt(i))) while (i > 0 && !isBoundary(text.charCodeAt(i - 1))) i--;
  return text.slice(0, i);
}

function applyRules(text: string, rules: readonly Rule[]): string {
  let out = text;
  for (const rule of rules) {
    const hint = rule.hint;
    if (hint !== undefined && !(typeof hint === 'string' ? out.includes(hint) : hint.test(out))) continue;
    const r = rule.replace;
    out = typeof r === 'string' ? out.replace(rule.re, r) : out.replace(rule.re, r);
  }
  return out;
}

function redactPlain(c: Compiled, text: string): string {
  let out = MAY_CONTAIN_SECRET.test(text) ? applyRules(text, SECRET_RULES) : text;
  out = applyRules(out, c.homeDirRules);
  if (out.includes('/') || out.includes('\\')) out = applyRules(out, HOME_RULES);
  if (out.includes('@')) out = out.replace(EMAIL_RE, ph('email'));
  return applyRules(out, c.extraRules);
}

// JSON escapes, and URL or form encoding: `%3D`, `%20`, `\n` before a token hide it from
// every rule's word boundaries and separators.
const JSON_ESCAPE_RE = /\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))/g;
const PERCENT_RUN_RE = /(?:%[0-9A-Fa-f]{2})+/g;
const HAS_PERCENT_RE = /%[0-9A-Fa-f]{2}/;
const JSON_CHARS: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** `text` with JSON escapes undone and, when it holds `%XX`, URL/form encoding undone. */
function decodedView(text: string): string {
  let t = text;
  if (t.includes('\\')) {
    t = t.replace(JSON_ESCAPE_RE, (_m, u: string | undefined, ch: string | undefined) =>
      u !== undefined ? String.fromCharCode(parseInt(u, 16)) : (JSON_CHARS[ch as string] ?? (ch as string)),
    );
  }
  const percent = HAS_PERCENT_RE.test(t);
  // A form body writes spaces as `+`: `detail=psql+--password+…`.
  if (percent || t.includes('=')) t = t.replace(/\+/g, ' ');
  if (percent) {
    t = t.replace(PERCENT_RUN_RE, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
  return t;
}

/**
 * One pass over `text`; when the text is encoded (JSON escapes, URL or form encoding) it is
 * also read decoded, and when that shows something the plain reading missed, the result is
 * the decoded text, redacted: a secret is never kept for the sake of its encoding.
 */
function redactOnce(c: Compiled, text: string): string {
  const out = redactPlain(c, text);
  if (!out.includes('\\') && !HAS_PERCENT_RE.test(out) && !(out.includes('+') && out.includes('='))) return out;
  const decoded = decodedView(out);
  if (decoded === out) return out;
  const red = redactPlain(c, decoded);
  return red === decoded ? out : red;
}

/**
 * Rules look at their neighbours (`(?<!\w)`, `key=value`), and a replacement changes the
 * neighbourhood: `x@y.io/home/bob` shows its home path only once the address is a
 * placeholder. Passes repeat until nothing changes, which also makes redaction idempotent;
 * text without anything to redact costs one pass.
 */
function redactWindow(c: Compiled, text: string): string {
  let prev = text;
  let out = redactOnce(c, text);
  for (let pass = 1; pass < MAX_PASSES && out !== prev; pass++) {
    prev = out;
    out = redactOnce(c, out);
  }
  return out;
}

function truncate(c: Compiled, out: string, droppedBefore: number): string {
  const digits = String(out.length + droppedBefore).length;
  let keep = Math.min(out.length, Math.max(0, c.maxLength - '…[truncated  chars]'.length - digits));
  // Do not cut a placeholder in half: `[REDACT` would read as text on a second pass.
  const open = out.lastIndexOf(PLACEHOLDER_START, keep - 1);
  if (open >= 0 && out.indexOf(']', open) >= keep) keep = open;
  let cut = keep;
  let kept: string;
  if (keep === out.length || isBoundary(out.charCodeAt(keep))) {
    kept = out.slice(0, keep);
  } else {
    // Nor a word: `Authorization: B` reads as a credential on a second pass.
    let start = keep;
    while (start > 0 && !isBoundary(out.charCodeAt(start - 1))) start--;
    if (keep - start <= MAX_WORD_BACKOFF) {
      cut = start;
      kept = out.slice(0, start);
    } else {
      // A long run (a blob, a path) is cut where it is rather than dropped whole; its head
      // may read differently alone (`x@a.b.cc…` becomes an address), so it is redacted again.
      if (isHighSurrogate(out.charCodeAt(cut - 1))) cut--;
      kept = redactWindow(c, out.slice(0, cut));
      if (kept.length > cut) {
        cut = start;
        kept = out.slice(0, start);
      }
    }
  }
  return `${kept}…[truncated ${out.length - cut + droppedBefore} chars]`;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

function run(c: Compiled, text: string): string {
  let out = runOnce(c, text);
  // A truncated text is redacted again without what followed its cut (`token: error` was
  // prose before `aws_…`, and is a value at the end): it is redacted until that is stable,
  // so redacting the result changes nothing.
  for (let pass = 1; pass < MAX_PASSES && out.endsWith(' chars]'); pass++) {
    const again = runOnce(c, out);
    if (again === out) break;
    out = again;
  }
  return out;
}

function runOnce(c: Compiled, text: string): string {
  if (text.length <= c.maxLength) {
    // Our own marker is kept as is, so redacting a redacted text changes nothing.
    const marker = text.endsWith(' chars]') ? MARKER_RE.exec(text) : null;
    if (marker) {
      const body = redactWindow(c, text.slice(0, marker.index));
      if (body.length + marker[0].length <= c.maxLength) return body + marker[0];
      return truncate(c, body, Number(/\d+/.exec(marker[0])?.[0] ?? 0));
    }
    const out = redactWindow(c, text);
    return out.length <= c.maxLength ? out : truncate(c, out, 0);
  }
  const window = text.length > c.windowLength ? cutBeforeToken(text, c.windowLength) : text;
  return truncate(c, redactWindow(c, window), text.length - window.length);
}

/**
 * Compile a redactor once; call it for every kept free-text value. The returned function never
 * throws: non-strings give `''`, and any failure inside (e.g. a hostile extra pattern) gives
 * `'[REDACTED]'`. Bad options throw an `AgentmeterError` (`E_MODEL_BAD_OPTION`) here, at setup.
 *
 * @example
 * const redact = createRedactor({ homeDirs: ['/srv/ci'], extraPatterns: [/ACME-[0-9]{8}/] });
 * redact('push to https://bot:hunter2@git.example.com failed in /home/alice/repo');
 * // 'push to https://bot:[REDACTED:password]@git.example.com failed in ~/repo'
 */
export function createRedactor(opts?: RedactOptions): (text: string) => string {
  const compiled = compile(opts);
  // Short values repeat (file paths, tool names, error types): each is redacted once, and
  // looked up after that. Redaction depends on the text alone, so the answer is the same.
  const seen = new Map<string, string>();
  return (text: string): string => {
    if (typeof text !== 'string') return '';
    const short = text.length <= MAX_REMEMBERED_LENGTH;
    if (short) {
      const hit = seen.get(text);
      if (hit !== undefined) return hit;
    }
    let out: string;
    try {
      out = run(compiled, text);
    } catch {
      return FAILED;
    }
    if (short) {
      if (seen.size >= MAX_REMEMBERED) seen.clear();
      seen.set(text, out);
    }
    return out;
  };
}

let defaultRedactor: ((text: string) => string) | undefined;

/**
 * Redact one text. Never throws: bad options fail closed as `'[REDACTED]'`. Options are
 * compiled on every call that passes them; on a hot path keep a `createRedactor` result.
 *
 * @example
 * redactText('OPENAI_API_KEY=sk-proj-4fG7hJ2kL9mN3pQ8rS5tV1wX6yZ0aB4cD7eF2gH9');
 * // 'OPENAI_API_KEY=[REDACTED:openai_key]'
 */
export function redactText(text: string, opts?: RedactOptions): string {
  if (typeof text !== 'string') return '';
  try {
    const redact = opts === undefined ? (defaultRedactor ??= createRedactor()) : createRedactor(opts);
    return redact(text);
  } catch {
    return FAILED;
  }
}
