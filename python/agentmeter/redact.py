"""The one redaction function on the write path, ported rule for rule from src/model/redact.ts.

Every free-text value that is kept (error messages, notes, task descriptions, string
attributes) passes through it before it is written: secrets become typed placeholders
(``[REDACTED:openai_key]``), e-mail addresses ``[REDACTED:email]``, home directories ``~``.
It fails closed: when anything goes wrong the result is ``[REDACTED]``. See docs/privacy.md.

The patterns are JavaScript's, translated to Python's ``re`` with JavaScript's meaning kept:
ASCII ``\\w``/``\\b`` and case folding (``re.ASCII``), JavaScript's ``\\s`` spelt out, ``$`` as
``\\Z``, and lengths and cut points counted in UTF-16 code units as JavaScript counts them.
test/vectors/redaction.json holds cases both test suites check.
"""
from __future__ import annotations

import array
import re
from typing import Callable, Dict, Iterable, List, Optional, Pattern, Sequence, Tuple, Union

from ._model import AgentmeterError

__all__ = ["create_redactor", "redact_text"]

FAILED = "[REDACTED]"
DEFAULT_MAX_LENGTH = 2000
MIN_MAX_LENGTH = 64
WINDOW_SLACK = 4096
PLACEHOLDER_START = "[REDACTED"
MAX_WORD_BACKOFF = 64
MAX_PASSES = 4
MAX_REMEMBERED = 1024
MAX_REMEMBERED_LENGTH = 256

_F = re.ASCII
_FI = re.ASCII | re.IGNORECASE

# JavaScript's \s (WhiteSpace and LineTerminator), for use inside character classes.
_S = "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
S = "[" + _S + "]"

MARKER_RE = re.compile("\u2026\\[truncated \\d+ chars\\]\\Z", _F)

Replacer = Callable[["re.Match[str]"], str]


def ph(kind: str) -> str:
    return "[REDACTED:" + kind + "]"


INERT_VALUE = re.compile(r"^(?:\[REDACTED(?::\w+)?\][)\]}>.]*|null|none|nil|true|false|undefined|\**)\Z", _FI)
_TRIM = " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def is_inert(value: str) -> bool:
    """Placeholders, masks and empty values are left alone: that makes redaction idempotent."""
    return INERT_VALUE.match(value.strip(_TRIM)) is not None


def _g(m: "re.Match[str]", i: int) -> str:
    s = m.group(i)
    return "" if s is None else s


def keep_key_replace_value(kind: str) -> Replacer:
    def rep(m: "re.Match[str]") -> str:
        key, sep, value = _g(m, 1), _g(m, 2), _g(m, 3)
        open_q = ""
        inner = value
        for q in ('\\"', '"', "'"):
            if inner.startswith(q):
                open_q = q
                inner = inner[len(q) :]
                if inner.endswith(q):
                    inner = inner[: -len(q)]
                break
        return m.group(0) if is_inert(inner) else key + sep + open_q + ph(kind) + open_q

    return rep


SEP = r"""\\?["']?[ \t]*(?:=>|[:=])[ \t]*"""
VALUE_ITEM = r"""\\"[^"\n]*?\\"|\\"[^"%s]*|"[^"\n]*"?|'[^'\n]*'?|[^%s"',;&{]+""" % (_S, _S)
VALUE = r"(?:%s)(?:[ \t]*(?:=>|[:=])[ \t]*(?:%s))*" % (VALUE_ITEM, VALUE_ITEM)
KEYWORD_HINT = re.compile(r"pass|secret|token|key|credential", _FI)
AUTH_SCHEMES = "bearer|basic|digest|token|bot|apikey|negotiate|ntlm|aws4-hmac-sha256"


class Rule:
    __slots__ = ("re", "replace", "hint")

    def __init__(self, pattern: Pattern[str], replace: Union[str, Replacer], hint: Union[None, str, Pattern[str]] = None) -> None:
        self.re = pattern
        self.replace = replace
        self.hint = hint


def _aws_secret(m: "re.Match[str]") -> str:
    return m.group(0) if is_inert(_g(m, 3)) else _g(m, 1) + _g(m, 2) + ph("aws_secret_key")


def _url_password(m: "re.Match[str]") -> str:
    return m.group(0) if is_inert(_g(m, 3)) else _g(m, 1) + _g(m, 2) + ":" + ph("password") + "@"


def _authorization(m: "re.Match[str]") -> str:
    return m.group(0) if is_inert(_g(m, 4)) else _g(m, 1) + _g(m, 2) + _g(m, 3) + ph("authorization")


def _bearer(m: "re.Match[str]") -> str:
    return m.group(0) if is_inert(_g(m, 2)) else _g(m, 1) + ph("bearer_token")


SECRET_RULES: Tuple[Rule, ...] = (
    Rule(
        re.compile(r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)", _F),
        ph("private_key"),
        "-----BEGIN",
    ),
    Rule(re.compile(r"(?<![\w-])eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*(?:\.[\w-]+){0,2}", _F), ph("jwt"), "eyJ"),
    Rule(re.compile(r"(?<![\w-])sk-ant-[\w-]{20,}", _F), ph("anthropic_key"), "sk-ant-"),
    Rule(re.compile(r"(?<![\w-])sk-[\w-]{20,}", _F), ph("openai_key"), "sk-"),
    Rule(re.compile(r"(?<![\w-])[sr]k_(?:live|test)_[A-Za-z0-9]{16,}", _F), ph("stripe_key"), re.compile(r"k_(?:live|test)_", _F)),
    Rule(re.compile(r"(?<![\w-])AIza[\w-]{30,}", _F), ph("google_api_key"), "AIza"),
    Rule(re.compile(r"(?<![\w-])ya29\.[\w-]{20,}", _F), ph("google_oauth_token"), "ya29."),
    Rule(re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16,}", _F), ph("aws_access_key_id"), re.compile(r"A[KS]IA|ABIA|ACCA", _F)),
    Rule(re.compile(r"(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})", _F), ph("github_token"), re.compile(r"gh[pousr]_|github_pat_", _F)),
    Rule(
        re.compile(r"(?<![\w-])gl(?:pat|dt|rt|ptt|cbt|oas|soat|ffct|imt|agent|wt)-[\w-]{20,}", _F),
        ph("gitlab_token"),
        re.compile(r"gl[a-z]{1,6}-", _F),
    ),
    Rule(re.compile(r"(?<![\w-])(?:xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,})", _F), ph("slack_token"), re.compile(r"xox|xapp-", _F)),
    Rule(re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[\w/-]+", _F), ph("slack_webhook"), "hooks.slack.com"),
    Rule(re.compile(r"(?<![\w-])hf_[A-Za-z0-9]{30,}", _F), ph("huggingface_token"), "hf_"),
    Rule(re.compile(r"(?<![\w-])npm_[A-Za-z0-9]{30,}", _F), ph("npm_token"), "npm_"),
    Rule(
        re.compile(r"""(aws_?secret_?access_?key|secret_?access_?key)(%s\\?["']?)([A-Za-z0-9/+=]{40})""" % SEP, _FI),
        _aws_secret,
        re.compile(r"access_?key", _FI),
    ),
    # scheme://user:password@host: the user and host stay, they say where the failure was.
    Rule(
        re.compile(r"""\b([A-Za-z][A-Za-z0-9+.-]{0,30}://)([^%s:/?#@"'<>\[\]]*):([^%s/?#"'<>]+)@""" % (_S, _S), _F),
        _url_password,
        "://",
    ),
    Rule(
        re.compile(
            r"""\b((?:proxy-)?authorization)(%s\\?["']?)((?:%s)[ \t]+)?(?!(?:%s)(?![^%s"',;\\]))([^%s"',;\\]+)"""
            % (SEP, AUTH_SCHEMES, AUTH_SCHEMES, _S, _S),
            _FI,
        ),
        _authorization,
        re.compile(r"authorization", _FI),
    ),
    # A pure-letter word after "bearer" is prose ("bearer authentication"), not a token.
    Rule(re.compile(r"\b(bearer[ \t]+)(?![A-Za-z]+(?![\w.~+/=-]))([\w.~+/=-]{8,})", _FI), _bearer, re.compile(r"bearer", _FI)),
    # `/etc/passwd: No such file` is a path, not an assignment.
    Rule(
        re.compile(
            r"(?<![/\\])(password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|credentials?)(%s)(%s)"
            % (SEP, VALUE),
            _FI,
        ),
        keep_key_replace_value("secret"),
        KEYWORD_HINT,
    ),
    Rule(
        re.compile(
            r"(?<![\w-])(--?(?:password|passwd|pass|token|secret|api-key|api_key|apikey|auth-token|access-token))([ \t]+)(%s)" % VALUE,
            _FI,
        ),
        keep_key_replace_value("secret"),
        KEYWORD_HINT,
    ),
)

USER = r"""[^/\\%s"'`<>|:;,()\[\]{}*?~]+""" % _S

HOME_RULES: Tuple[Rule, ...] = (
    Rule(re.compile(r"(?<![\w.~-])/(?:home|Users)/(?!Shared(?![^/%s]))%s" % (_S, USER), _F), "~", re.compile(r"/(?:home|Users)/", _F)),
    Rule(re.compile(r"(?<![\w])[A-Za-z]:(?:\\{1,2}|/)Users(?:\\{1,2}|/)%s" % USER, _FI), "~", re.compile(r"users", _FI)),
)

EMAIL_RE = re.compile(
    r"(?<![\w.%+-])(?!git@)[A-Za-z0-9][\w.%+-]{0,63}@(?![0-9]+x\.)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])",
    _F,
)

MAY_CONTAIN_SECRET = re.compile(
    r"sk-|[sr]k_|AIza|ya29\.|A[KS]IA|ABIA|ACCA|gh[pousr]_|github_pat_|gl[a-z]{1,6}-|xox|xapp-|hf_|npm_|eyJ|-----BEGIN|bearer|authorization|://|pass|secret|token|key|credential",
    _FI,
)


class _Compiled:
    __slots__ = ("max_length", "window_length", "home_dir_rules", "extra_rules")

    def __init__(self, max_length: int, home_dir_rules: List[Rule], extra_rules: List[Rule]) -> None:
        self.max_length = max_length
        self.window_length = max_length + WINDOW_SLACK
        self.home_dir_rules = home_dir_rules
        self.extra_rules = extra_rules


def _bad_option(message: str) -> AgentmeterError:
    return AgentmeterError("E_MODEL_BAD_OPTION", "redact: " + message)


def _compile_home_dirs(dirs: Iterable[str]) -> List[Rule]:
    posix: List[str] = []
    windows: List[str] = []
    for raw in dirs:
        if not isinstance(raw, str):
            raise _bad_option("home_dirs must be strings")
        d = re.sub(r"[\\/]+\Z", "", raw.strip(_TRIM))
        if re.match(r"[A-Za-z]:[\\/].", d, re.ASCII | re.DOTALL) and not re.match(r"[A-Za-z]:[\\/][\n\r\u2028\u2029]", d):
            windows.append(d)
        elif d.startswith("/") and len(d) > 1:
            posix.append(d)
    rules: List[Rule] = []
    end = r"""(?![^/\\%s"'`<>|:;,()\[\]{}])""" % _S

    def uniq_by_length(xs: List[str]) -> List[str]:
        seen: Dict[str, None] = dict.fromkeys(xs)
        # A stable sort of first occurrences, longest first, as Array.prototype.sort is.
        return sorted(seen, key=lambda s: -_js_len(s))

    if posix:
        alt = "|".join(re.escape(d) for d in uniq_by_length(posix))
        rules.append(Rule(re.compile(r"(?<![\w.~-])(?:%s)%s" % (alt, end), _F), "~"))
    if windows:
        alt = "|".join(r"(?:\\{1,2}|/)".join(re.escape(p) for p in re.split(r"[\\/]+", d)) for d in uniq_by_length(windows))
        rules.append(Rule(re.compile(r"(?<![\w])(?:%s)%s" % (alt, end), _FI), "~"))
    return rules


def _compile_extra(patterns: Sequence[Union[str, Pattern[str]]]) -> List[Rule]:
    rules = []
    for p in patterns:
        if isinstance(p, str):
            p = re.compile(p)
        elif not isinstance(p, re.Pattern):
            raise _bad_option("extra_patterns must be compiled patterns or strings")
        rules.append(Rule(p, lambda m: m.group(0) if m.group(0) == "" else ph("custom")))
    return rules


def _compile(home_dirs: Optional[Sequence[str]], max_length: Optional[int], extra_patterns: Optional[Sequence[Union[str, Pattern[str]]]]) -> _Compiled:
    ml = DEFAULT_MAX_LENGTH if max_length is None else max_length
    if isinstance(ml, bool) or not isinstance(ml, int) or ml < MIN_MAX_LENGTH or ml > 2**53 - 1:
        raise _bad_option(f"max_length must be an integer >= {MIN_MAX_LENGTH}, got {ml!r}")
    if home_dirs is not None and (isinstance(home_dirs, str) or not isinstance(home_dirs, (list, tuple))):
        raise _bad_option("home_dirs must be a list of paths")
    if extra_patterns is not None and (isinstance(extra_patterns, str) or not isinstance(extra_patterns, (list, tuple))):
        raise _bad_option("extra_patterns must be a list of patterns")
    return _Compiled(ml, _compile_home_dirs(home_dirs or []), _compile_extra(extra_patterns or []))


_BOUNDARY = frozenset("\"'`,;|()[]{}<>")


def _is_boundary(text: str, i: int) -> bool:
    if i < 0 or i >= len(text):
        return False  # charCodeAt out of range is NaN
    c = text[i]
    return c <= " " or c in _BOUNDARY


def _cut_before_token(text: str, n: int) -> str:
    i = n
    if not _is_boundary(text, i):
        while i > 0 and not _is_boundary(text, i - 1):
            i -= 1
    return text[:i]


def _apply_rules(text: str, rules: Sequence[Rule]) -> str:
    out = text
    for rule in rules:
        hint = rule.hint
        if hint is not None:
            if isinstance(hint, str):
                if hint not in out:
                    continue
            elif hint.search(out) is None:
                continue
        out = rule.re.sub(rule.replace, out)
    return out


def _redact_once(c: _Compiled, text: str) -> str:
    out = _apply_rules(text, SECRET_RULES) if MAY_CONTAIN_SECRET.search(text) else text
    out = _apply_rules(out, c.home_dir_rules)
    if "/" in out or "\\" in out:
        out = _apply_rules(out, HOME_RULES)
    if "@" in out:
        out = EMAIL_RE.sub(ph("email"), out)
    return _apply_rules(out, c.extra_rules)


def _redact_window(c: _Compiled, text: str) -> str:
    prev = text
    out = _redact_once(c, text)
    p = 1
    while p < MAX_PASSES and out != prev:
        prev = out
        out = _redact_once(c, out)
        p += 1
    return out


def _js_last_index_of(s: str, sub: str, from_index: int) -> int:
    f = max(from_index, 0)
    return s.rfind(sub, 0, min(len(s), f + len(sub)))


def _is_high_surrogate(text: str, i: int) -> bool:
    return 0 <= i < len(text) and "\ud800" <= text[i] <= "\udbff"


def _truncate(c: _Compiled, out: str, dropped_before: int) -> str:
    digits = len(str(len(out) + dropped_before))
    keep = min(len(out), max(0, c.max_length - len("\u2026[truncated  chars]") - digits))
    # Do not cut a placeholder in half: `[REDACT` would read as text on a second pass.
    open_at = _js_last_index_of(out, PLACEHOLDER_START, keep - 1)
    if open_at >= 0 and out.find("]", open_at) >= keep:
        keep = open_at
    cut = keep
    if keep == len(out) or _is_boundary(out, keep):
        kept = out[:keep]
    else:
        # Nor a word: `Authorization: B` reads as a credential on a second pass.
        start = keep
        while start > 0 and not _is_boundary(out, start - 1):
            start -= 1
        if keep - start <= MAX_WORD_BACKOFF:
            cut = start
            kept = out[:start]
        else:
            if _is_high_surrogate(out, cut - 1):
                cut -= 1
            kept = _redact_window(c, out[:cut])
            if len(kept) > cut:
                cut = start
                kept = out[:start]
    return "%s\u2026[truncated %d chars]" % (kept, len(out) - cut + dropped_before)


def _run(c: _Compiled, text: str) -> str:
    if len(text) <= c.max_length:
        marker = MARKER_RE.search(text) if text.endswith(" chars]") else None
        if marker:
            body = _redact_window(c, text[: marker.start()])
            if len(body) + len(marker.group(0)) <= c.max_length:
                return body + marker.group(0)
            n = re.search(r"\d+", marker.group(0), re.ASCII)
            return _truncate(c, body, int(n.group(0)) if n else 0)
        out = _redact_window(c, text)
        return out if len(out) <= c.max_length else _truncate(c, out, 0)
    window = _cut_before_token(text, c.window_length) if len(text) > c.window_length else text
    return _truncate(c, _redact_window(c, window), len(text) - len(window))


# JavaScript strings are UTF-16: a character beyond U+FFFF is two code units, and lengths and
# cut points count units. Text holding such characters is redacted in that form.


def _has_astral(text: str) -> bool:
    return not text.isascii() and max(text) > "\uffff"


def _js_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ch > "\uffff") if not text.isascii() else len(text)


def _to_units(text: str) -> str:
    units = array.array("H", text.encode("utf-16-le", "surrogatepass"))
    return "".join(map(chr, units))


def _from_units(text: str) -> str:
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def create_redactor(
    home_dirs: Optional[Sequence[str]] = None,
    max_length: Optional[int] = None,
    extra_patterns: Optional[Sequence[Union[str, Pattern[str]]]] = None,
) -> Callable[[str], str]:
    """Compile a redactor once; call it for every kept free-text value.

    The returned function never raises: non-strings give ``''``, and any failure inside (a
    hostile extra pattern) gives ``'[REDACTED]'``. Bad options raise ``AgentmeterError``
    (``E_MODEL_BAD_OPTION``) here, at setup.

    >>> redact = create_redactor(home_dirs=["/srv/ci"])
    >>> redact("push to https://bot:hunter2@git.example.com failed in /home/alice/repo")
    'push to https://bot:[REDACTED:password]@git.example.com failed in ~/repo'
    """
    compiled = _compile(home_dirs, max_length, extra_patterns)
    seen: Dict[str, str] = {}

    def redact(text: str) -> str:
        if not isinstance(text, str):
            return ""
        short = len(text) <= MAX_REMEMBERED_LENGTH
        if short:
            hit = seen.get(text)
            if hit is not None:
                return hit
        try:
            if _has_astral(text):
                out = _from_units(_run(compiled, _to_units(text)))
            else:
                out = _run(compiled, text)
        except Exception:
            return FAILED
        if short:
            if len(seen) >= MAX_REMEMBERED:
                seen.clear()
            seen[text] = out
        return out

    return redact


_default: Optional[Callable[[str], str]] = None


def redact_text(text: str, **options: object) -> str:
    """Redact one text. Never raises: bad options fail closed as ``'[REDACTED]'``.

    >>> redact_text("OPENAI_API_KEY=sk-proj-4fG7hJ2kL9mN3pQ8rS5tV1wX6yZ0aB4cD7eF2gH9")
    'OPENAI_API_KEY=[REDACTED:openai_key]'
    """
    global _default
    if not isinstance(text, str):
        return ""
    try:
        if not options:
            if _default is None:
                _default = create_redactor()
            return _default(text)
        return create_redactor(**options)(text)  # type: ignore[arg-type]
    except Exception:
        return FAILED
