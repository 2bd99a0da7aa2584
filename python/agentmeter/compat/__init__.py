"""Drop-in facades of the seed systems' loggers, on agentmeter's store: switching is one
import line (docs/python.md).

- ``agentmeter.compat.oak.TelemetryLogger``: claude-oak-agents' ``telemetry/logger.py``;
- ``agentmeter.compat.orchestrator.RunLogger`` and ``IssueTracker``: AgenticSys's
  ``src/orchestrator/analytics``;
- ``agentmeter.compat.automation.AutomationMetrics``: the autotuning pipeline's
  automation metrics, one optimisation session per call.
"""
