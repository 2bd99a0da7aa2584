"""The autotuning pipeline's automation metrics: one optimisation session per call, in the
seed's field names (``operation``, ``variants_generated``, ``validated``, ``promoted``,
``baseline_latency_ms``, ``optimized_latency_ms``, ``wallclock_seconds`` …)::

    from agentmeter.compat.automation import AutomationMetrics
    metrics = AutomationMetrics()
    metrics.record({"operation": "matmul", "variants_generated": 12, "validated": 9, "promoted": 2,
                    "baseline_latency_ms": 4.1, "optimized_latency_ms": 2.6, "wallclock_seconds": 340})

The same rules as the TypeScript recorder (src/integrations/automation/record-fields.ts):
only the seed's numeric and high-level text fields are kept; anything else (a raw prompt, a
GPU UUID) is dropped and its name passed to ``on_dropped_fields``. Disabled
(``enabled=False`` or ``AGENTMETER_AUTOMATION_METRICS=0``) it records nothing and costs a
function call. ``agentmeter report automation`` reports on the sessions.
"""
from __future__ import annotations

import math
import os
import re
from typing import Any, Callable, Dict, List, Mapping, Optional

from .._meter import Meter
from ._meter import shared_meter

__all__ = ["AutomationMetrics"]

NUMBER_FIELDS = (
    "variants_generated", "validated", "promoted", "baseline_latency_ms", "optimized_latency_ms",
    "wallclock_seconds", "validation_failures", "autotune_samples", "search_depth", "wallclock_saved_seconds",
)
TEXT_FIELDS = ("operation", "backend", "device", "model", "kernel", "status", "session_id")
ALIASES = {
    "validation_failed": "validation_failures",
    "failed_validation": "validation_failures",
    "samples_evaluated": "autotune_samples",
    "autotune_samples_evaluated": "autotune_samples",
}
_NON_FINITE = re.compile(r"^-?inf(inity)?$|^nan$", re.IGNORECASE)


def _number(v: Any) -> Any:
    """A number, ``None`` (null, NaN, ±Infinity) or ``...`` when ``v`` is not a number."""
    if v is None:
        return None
    if isinstance(v, bool):
        return ...
    if isinstance(v, (int, float)):
        return v if math.isfinite(v) else None
    if isinstance(v, str) and v.strip():
        t = v.strip()
        if _NON_FINITE.match(t):
            return None
        try:
            n = float(t)
        except ValueError:
            return ...
        return n if math.isfinite(n) else ...
    return ...


class AutomationMetrics:
    """Records optimisation sessions, one per ``record`` call. Never raises."""

    def __init__(
        self,
        enabled: Optional[bool] = None,
        *,
        meter: Optional[Meter] = None,
        on_dropped_fields: Optional[Callable[[List[str]], None]] = None,
    ) -> None:
        self.enabled = os.environ.get("AGENTMETER_AUTOMATION_METRICS") != "0" if enabled is None else bool(enabled)
        self._meter = (meter or shared_meter()) if self.enabled else None
        self._on_dropped = on_dropped_fields

    def record(self, record: Optional[Mapping[str, Any]] = None, **fields: Any) -> bool:
        """Record one finished session (a dict, or keyword arguments). Returns whether it was
        recorded whole (``False`` for a missing operation or a non-numeric count)."""
        if self._meter is None:
            return False
        try:
            r: Dict[str, Any] = dict(record or {})
            r.update(fields)
            rec = self._meter._rec
            redact = rec.redact if rec is not None else (lambda s: s)
            attrs: Dict[str, Any] = {}
            dropped: List[str] = []
            errors: List[str] = []
            for raw, v in r.items():
                if raw in ("__proto__", "timestamp", "env"):
                    continue
                key = ALIASES.get(raw, raw)
                if key in NUMBER_FIELDS:
                    n = _number(v)
                    if n is ...:
                        errors.append(f"{raw} must be a number, got {v!r}")
                    elif n is not None and n < 0:
                        errors.append(f"{raw} must not be negative, got {n}")
                    else:
                        attrs[key] = n
                elif key in TEXT_FIELDS:
                    if isinstance(v, str) and v:
                        attrs[key] = redact(v[:200])
                else:
                    dropped.append(raw)
            if dropped and self._on_dropped is not None:
                try:
                    self._on_dropped(dropped)
                except Exception:
                    pass
            operation = attrs.get("operation") or ""
            if not operation:
                errors.append("operation is required")
            extra = {k: attrs[k] for k in ("wallclock_saved_seconds", "backend", "device", "model", "kernel", "session_id") if k in attrs}
            self._meter.record_optimization(
                operation=operation or "unknown",
                variants_generated=attrs.get("variants_generated"),
                validated=attrs.get("validated"),
                promoted=attrs.get("promoted"),
                baseline_latency_ms=attrs.get("baseline_latency_ms"),
                optimized_latency_ms=attrs.get("optimized_latency_ms"),
                wallclock_seconds=attrs.get("wallclock_seconds"),
                autotune_samples=attrs.get("autotune_samples"),
                validation_failures=attrs.get("validation_failures"),
                search_depth=attrs.get("search_depth"),
                status=attrs.get("status"),
                attrs=extra,
            )
            return not errors
        except Exception:
            return False

    def flush(self) -> None:
        """Write what the meter buffers."""
        if self._meter is not None:
            self._meter.flush()

    def close(self) -> None:
        """Flush (the shared meter stays open for others and is flushed at exit)."""
        self.flush()
