"""The meter the facades record with when the host gives none."""
from __future__ import annotations

import os
import threading
from typing import Optional

from .._meter import Meter

_lock = threading.Lock()
_shared: Optional[Meter] = None


def shared_meter() -> Meter:
    """One meter per process for every facade: ``$AGENTMETER_DIR``, ``$AGENTMETER_ENV`` and
    ``flush`` durability (one ``write`` per event, so a facade's host killed at any moment
    keeps every event it recorded), unless ``$AGENTMETER_DURABILITY`` says otherwise."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Meter(durability=os.environ.get("AGENTMETER_DURABILITY") or "flush")
        return _shared
