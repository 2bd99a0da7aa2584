"""JSON exactly as the TypeScript SDK writes it (``JSON.stringify``), from Python values.

The line format is shared with the TypeScript writer (docs/event-format.md), so numbers are
written as JavaScript writes them: ``4`` not ``4.0``, ``1e-7`` not ``1e-07``, NaN and
Infinity as ``null``; object keys in JavaScript's order (array-index keys first); strings
through the redactor; values nested deeper than 8 levels, ``__proto__`` keys and anything
that is not JSON dropped (``clean_json`` in src/model/clean-json.ts).
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Callable, Dict, Optional, Tuple

MAX_CLEAN_DEPTH = 8

def _no_default(o: Any) -> Any:
    raise TypeError(f"{type(o).__name__} is not JSON")


try:
    # The C encoder called directly: JSONEncoder.encode wraps it in two Python-level calls,
    # which cost as much as encoding a small attribute dict.
    from json.encoder import c_encode_basestring as _c_str, c_make_encoder as _c_make  # type: ignore[attr-defined]

    if _c_make is None or _c_str is None:
        raise ImportError
    _c_enc = _c_make(None, _no_default, _c_str, None, ":", ",", False, False, True)

    def _dumps(v: Any) -> str:
        return "".join(_c_enc(v, 0))

    _dumps_str: Callable[[str], str] = _c_str
except ImportError:  # pragma: no cover - interpreters without the C accelerator
    _dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=True).encode
    _dumps_str = _dumps

# Below 2**53 an integral float is printed by JavaScript as the integer it is.
_INT_EXACT = 2.0 ** 53


class _Dropped:
    """Marker for a value that is not JSON (a function, an object): left out, as JS does."""


DROPPED = _Dropped()


def js_number(x: float) -> str:
    """``String(x)`` of a JavaScript number: shortest round-trip digits, JS exponent rules."""
    if type(x) is int:
        return str(x)
    if type(x) is float and 1e-4 <= abs(x) < 1e16 and not x.is_integer():
        return repr(x)  # the common case: Python's repr is already JavaScript's
    if x != x or x in (math.inf, -math.inf):
        return "null"
    if isinstance(x, int):
        return str(x)
    if x.is_integer() and -_INT_EXACT < x < _INT_EXACT:
        return str(int(x))
    r = repr(x)
    sign = ""
    if r[0] == "-":
        sign, r = "-", r[1:]
    if "e" in r:
        mant, exp_s = r.split("e")
        exp = int(exp_s)
    else:
        mant, exp = r, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    if fp == "0":
        fp = ""
    digits = (ip + fp).lstrip("0")
    # position of the decimal point relative to the first significant digit
    lead_zeros = len(ip + fp) - len((ip + fp).lstrip("0"))
    n = len(ip) - lead_zeros + exp
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    # ECMAScript Number::toString(10)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        es = ("+" if e >= 0 else "-") + str(abs(e))
        out = (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + es
    return sign + out


def _float_ok(x: float) -> bool:
    """Whether Python's ``repr`` of ``x`` is already JavaScript's ``String(x)``."""
    a = abs(x)
    return not x.is_integer() and 1e-4 <= a < 1e16




_INDEX_KEY = re.compile(r"^(?:0|[1-9][0-9]{0,9})$")


def _js_key_order(d: Dict[str, Any]) -> Dict[str, Any]:
    """JavaScript objects list array-index keys first, ascending, then the others in order."""
    idx = []
    rest = []
    for k, v in d.items():
        if _INDEX_KEY.match(k) and int(k) < 4294967295:
            idx.append((int(k), k, v))
        else:
            rest.append((k, v))
    if not idx:
        return d
    idx.sort()
    out: Dict[str, Any] = {k: v for _, k, v in idx}
    for k, v in rest:
        out[k] = v
    return out


def clean_json(v: Any, redact: Callable[[str], str], depth: int = 0) -> Tuple[Any, bool]:
    """A host's value as JSON fit for an event, and whether it needs the exact slow encoder.

    Returns ``(DROPPED, False)`` for values that are not JSON.
    """
    if v is None:
        return None, False
    t = type(v)
    if t is str:
        return redact(v), False
    if t is bool:
        return v, False
    if t is int:
        return v, False
    if t is float:
        if v != v or v in (math.inf, -math.inf):
            return None, False
        if v.is_integer():
            if -_INT_EXACT < v < _INT_EXACT:
                return int(v), False
            return v, True
        return v, not _float_ok(v)
    if isinstance(v, str):
        return redact(str(v)), False
    if isinstance(v, bool):
        return bool(v), False
    if isinstance(v, int):
        return int(v), False
    if isinstance(v, float):
        return clean_json(float(v), redact, depth)
    if isinstance(v, (list, tuple)):
        if depth > MAX_CLEAN_DEPTH:
            return DROPPED, False
        out_l = []
        slow = False
        for x in v:
            j, s = clean_json(x, redact, depth + 1)
            if j is DROPPED:
                continue
            slow = slow or s
            out_l.append(j)
        return out_l, slow
    if isinstance(v, dict):
        if depth > MAX_CLEAN_DEPTH:
            return DROPPED, False
        out_d: Dict[str, Any] = {}
        slow = False
        for k, x in v.items():
            if not isinstance(k, str):
                if isinstance(k, bool) or k is None:
                    k = json.dumps(k)
                elif isinstance(k, (int, float)):
                    k = js_number(k)
                else:
                    continue
            if k == "__proto__":
                continue
            j, s = clean_json(x, redact, depth + 1)
            if j is DROPPED:
                continue
            slow = slow or s
            out_d[k] = j
        return _js_key_order(out_d), slow
    return DROPPED, False


def _slow(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return _dumps(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return js_number(v)
    if isinstance(v, list):
        return "[" + ",".join(_slow(x) for x in v) + "]"
    return "{" + ",".join(_dumps(k) + ":" + _slow(x) for k, x in v.items()) + "}"


def dumps(v: Any, slow: bool = False) -> str:
    """JSON text of a cleaned value (``slow``: it holds floats Python prints differently)."""
    return _slow(v) if slow else _dumps(v)


def dumps_str(s: str) -> str:
    """A string as JSON."""
    return _dumps_str(s)


_LONE = re.compile("[\ud800-\udfff]")


def encode_utf8(text: str) -> bytes:
    """UTF-8 of JSON text; lone surrogates become ``\\udxxx`` escapes, as ``JSON.stringify`` writes them."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # Pairs written as two code points are one character; what is left is lone.
        joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        return _LONE.sub(lambda m: "\\u%04x" % ord(m.group()), joined).encode("utf-8")


def optional_number(v: Any) -> Optional[float]:
    """``v`` when it is a finite number (not a bool), else ``None``."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if isinstance(v, float) and (v != v or v in (math.inf, -math.inf)):
        return None
    return v
