"""Builds event lines exactly as src/sdk/recorder.ts does: keys in a fixed order, the run's
inherited attributes serialised once per span, numbers as JavaScript prints them."""
from __future__ import annotations

import math
import time
from typing import Any, Callable, Dict, Optional

from ._encode import DROPPED, _float_ok, _js_key_order, _INDEX_KEY, clean_json, dumps, dumps_str, js_number
from ._model import DiagnosticChannel, iso_ms, uuid7
from ._writer import SegmentWriter

SCHEMA_VERSION = 1
_INT_EXACT = 2.0**53

Attrs = Dict[str, Any]


class SpanContext:
    """What every child of a span inherits, and what its events need."""

    __slots__ = ("span_id", "run_id", "kind", "inherited", "inherited_json")

    def __init__(self, span_id: str, run_id: str, kind: str, inherited: Attrs, inherited_json: Optional[str] = None) -> None:
        self.span_id = span_id
        self.run_id = run_id
        self.kind = kind
        self.inherited = inherited
        self.inherited_json = attrs_json(inherited)[1:-1] if inherited_json is None else inherited_json

    def child(self, span_id: str, kind: str, extra: Optional[Attrs] = None) -> "SpanContext":
        if not extra:
            return SpanContext(span_id, self.run_id, kind, self.inherited, self.inherited_json)
        merged = dict(self.inherited)
        merged.update(extra)
        return SpanContext(span_id, self.run_id, kind, merged)


# Set by Recorder.extra on an attribute dict whose nested values hold floats Python prints
# differently from JavaScript (clean_json says which); attrs_json takes it out again.
SLOW = "\x00slow"


def attrs_json(d: Attrs) -> str:
    """JSON of an attribute dict built by the SDK: top-level numbers checked here, nested
    values cleaned by ``clean_json`` (which marks the dict with ``SLOW`` when needed)."""
    slow = d.pop(SLOW, False) if SLOW in d else False
    for k, v in d.items():
        if type(v) is float:
            if v.is_integer() and -_INT_EXACT < v < _INT_EXACT:
                d[k] = int(v)
            elif v != v or v in (math.inf, -math.inf):
                d[k] = None
            elif not _float_ok(v):
                slow = True
    return dumps(d, slow)



class Recorder:
    """Writes the SDK's events; the handles call it."""

    def __init__(
        self,
        writer: SegmentWriter,
        env: str,
        diagnostics: DiagnosticChannel,
        redact: Callable[[str], str],
        redact_short: Callable[[str], str],
        clock: Optional[Callable[[], float]] = None,
    ) -> None:
        self.writer = writer
        self.env = env
        self._env_json = dumps_str(env)
        self.diagnostics = diagnostics
        self.redact = redact
        self.redact_short = redact_short
        if clock is None:
            self.now: Callable[[], float] = lambda: time.time_ns() // 1_000_000
            self.perf: Callable[[], float] = lambda: time.perf_counter() * 1000.0
        else:
            self.now = clock
            self.perf = clock
        self.closed = False

    def bad(self, message: str) -> None:
        self.diagnostics.report("E_SDK_BAD_ARGUMENT", message)

    def extra(self, given: Any, out: Attrs) -> None:
        """Copy a caller's extra attributes, redacting strings and dropping what is not JSON."""
        if given is None:
            return
        if not isinstance(given, dict):
            self.bad("attrs must be a dict")
            return
        clean = True
        index_key = False
        slow = False
        for k, v in given.items():
            if not isinstance(k, str):
                k = str(k)
            if k == "__proto__":
                continue
            j, s = clean_json(v, self.redact)
            if j is DROPPED:
                clean = False
                continue
            if s and type(j) in (list, dict):
                slow = True
            out[k] = j
            if not index_key and k[:1].isdigit() and _INDEX_KEY.match(k):
                index_key = True
        if index_key:
            reordered = _js_key_order(out)
            out.clear()
            out.update(reordered)
        if slow:
            out[SLOW] = True
        if not clean:
            self.bad("attrs values must be JSON (functions, objects and deep nesting are dropped)")

    def _merged(self, ctx: SpanContext, own: Attrs) -> str:
        if ctx.inherited_json == "":
            return attrs_json(own)
        if not own:
            return "{" + ctx.inherited_json + "}"
        inherited = ctx.inherited
        for k in own:
            if k in inherited:
                merged = dict(inherited)
                slow = own.pop(SLOW, False)
                merged.update(own)
                if slow:
                    merged[SLOW] = True
                return attrs_json(merged)
        return "{" + ctx.inherited_json + "," + attrs_json(own)[1:]

    def start(self, ctx: SpanContext, name: str, parent_id: Optional[str], attrs: Attrs, now: float) -> None:
        line = (
            f'{{"v":1,"id":"{uuid7(now)}","ts":"{iso_ms(now)}","type":"span.start",'
            f'"span_id":"{ctx.span_id}","kind":"{ctx.kind}","name":{dumps_str(name)},'
            f'"parent_id":{"null" if parent_id is None else dumps_str(parent_id)},"run_id":"{ctx.run_id}",'
            f'"env":{self._env_json},"attrs":{self._merged(ctx, attrs)}}}\n'
        )
        self.writer.append(line, now)

    def end(self, ctx: SpanContext, start_ms: float, duration_ms: Optional[float], status: str, attrs: Attrs, now: float) -> None:
        line = (
            f'{{"v":1,"id":"{uuid7(now)}","ts":"{iso_ms(now)}","type":"span.end",'
            f'"span_id":"{ctx.span_id}","kind":"{ctx.kind}","run_id":"{ctx.run_id}","env":{self._env_json},'
            f'"start_ts":"{iso_ms(start_ms)}","duration_ms":{"null" if duration_ms is None else js_number(duration_ms)},'
            f'"status":"{status}","attrs":{attrs_json(attrs)}}}\n'
        )
        self.writer.append(line, now)

    def complete(
        self,
        ctx: SpanContext,
        name: str,
        parent_id: Optional[str],
        start_ms: float,
        duration_ms: Optional[float],
        status: str,
        attrs: Attrs,
        now: float,
    ) -> None:
        line = (
            f'{{"v":1,"id":"{uuid7(now)}","ts":"{iso_ms(now)}","type":"span",'
            f'"span_id":"{ctx.span_id}","kind":"{ctx.kind}","name":{dumps_str(name)},'
            f'"parent_id":{"null" if parent_id is None else dumps_str(parent_id)},"run_id":"{ctx.run_id}",'
            f'"env":{self._env_json},"start_ts":"{iso_ms(start_ms)}",'
            f'"duration_ms":{"null" if duration_ms is None else js_number(duration_ms)},"status":"{status}",'
            f'"attrs":{self._merged(ctx, attrs)}}}\n'
        )
        self.writer.append(line, now)

    def point(self, ctx: SpanContext, name: str, attrs: Attrs, now: float) -> None:
        line = (
            f'{{"v":1,"id":"{uuid7(now)}","ts":"{iso_ms(now)}","type":"span.event",'
            f'"span_id":"{ctx.span_id}","run_id":"{ctx.run_id}","env":{self._env_json},'
            f'"name":{dumps_str(name)},"attrs":{attrs_json(attrs)}}}\n'
        )
        self.writer.append(line, now)

    def feedback(
        self,
        span_id: str,
        run_id: Optional[str],
        success: Optional[bool],
        rating: Optional[float],
        source: str,
        attrs: Attrs,
        now: float,
    ) -> None:
        line = (
            f'{{"v":1,"id":"{uuid7(now)}","ts":"{iso_ms(now)}","type":"feedback",'
            f'"span_id":{dumps_str(span_id)},"run_id":{"null" if run_id is None else dumps_str(run_id)},'
            f'"env":{self._env_json},"success":{"null" if success is None else ("true" if success else "false")},'
            f'"rating":{"null" if rating is None else js_number(rating)},"source":"{source}",'
            f'"attrs":{attrs_json(attrs)}}}\n'
        )
        self.writer.append(line, now)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.writer.close()


