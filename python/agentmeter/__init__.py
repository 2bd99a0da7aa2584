"""agentmeter for Python: records runs, tasks, agent invocations, CI pipelines, debugging
cycles, optimisation sessions and feedback into agentmeter's local store, byte-compatible
with the TypeScript SDK, so every ``agentmeter`` command reads both. Standard library only.

See docs/python.md in the agentmeter repository.
"""
from __future__ import annotations

from ._meter import Agent, DebugCycle, Meter, Run, SpanRef, Task
from ._model import AgentmeterError, Diagnostic, uuid7
from .redact import create_redactor, redact_text

__version__ = "0.1.0"

__all__ = [
    "Agent",
    "AgentmeterError",
    "DebugCycle",
    "Diagnostic",
    "Meter",
    "Run",
    "SpanRef",
    "Task",
    "create_redactor",
    "redact_text",
    "uuid7",
]
