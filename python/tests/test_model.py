"""Ids, timestamps and numbers as the TypeScript model makes them."""
from __future__ import annotations

import threading
import unittest
import uuid

from agentmeter._encode import js_number
from agentmeter._model import iso_ms, js_round, normalize_status, uuid7


class Ids(unittest.TestCase):
    def test_uuidv7_layout_time_and_order(self) -> None:
        ms = 1733230800123
        ids = [uuid7(ms) for _ in range(5000)]  # more than fit one ms's counter headroom
        for i in ids[:10]:
            u = uuid.UUID(i)
            self.assertEqual((u.version, u.variant), (7, uuid.RFC_4122))
        self.assertEqual(int(ids[0][:8] + ids[0][9:13], 16), ms)
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(set(ids)), len(ids))
        # Counter overflow borrows the next millisecond rather than repeating an id.
        self.assertGreaterEqual(int(ids[-1][:8] + ids[-1][9:13], 16), ms + 1)

    def test_unique_across_threads(self) -> None:
        out: list = []

        def work() -> None:
            out.extend(uuid7() for _ in range(5000))

        ts = [threading.Thread(target=work) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        self.assertEqual(len(set(out)), 20000)


class Text(unittest.TestCase):
    def test_iso_ms_is_date_to_iso_string(self) -> None:
        # Expected values are `new Date(ms).toISOString()` in Node.
        self.assertEqual(iso_ms(1700000000123), "2023-11-14T22:13:20.123Z")
        self.assertEqual(iso_ms(0), "1970-01-01T00:00:00.000Z")
        self.assertEqual(iso_ms(1733230800000.9), "2024-12-03T13:00:00.000Z")
        self.assertEqual(iso_ms(951782400000), "2000-02-29T00:00:00.000Z")

    def test_js_number_is_string_of_a_javascript_number(self) -> None:
        # Expected values are `String(x)` in Node.
        cases = {
            4.0: "4", 0.0031: "0.0031", 1e-7: "1e-7", 1e-5: "0.00001", 0.00001234: "0.00001234",
            1e16: "10000000000000000", 1.5e16: "15000000000000000", 2.0**60: "1152921504606847000",
            1e21: "1e+21", 1.5e21: "1.5e+21", 123.456: "123.456", -0.0: "0", 5e-324: "5e-324",
            1.7976931348623157e308: "1.7976931348623157e+308", 0.1: "0.1", 100.5: "100.5",
            1e-6: "0.000001", 1.234e-6: "0.000001234", -2.5e-8: "-2.5e-8", float("inf"): "null", float("nan"): "null", 42: "42",
        }
        for x, want in cases.items():
            self.assertEqual(js_number(x), want, repr(x))

    def test_math_round_and_status_words(self) -> None:
        self.assertEqual([js_round(x) for x in (0.5, 1.5, 2.5, -0.5, -1.5)], [1, 2, 3, 0, -1])
        self.assertEqual([normalize_status(w) for w in ("completed", " Failed ", "canceled", "weird", True, None)], ["success", "failure", "cancelled", "unknown", "success", "unknown"])



class PublicApi(unittest.TestCase):
    def test_the_export_list_is_pinned(self) -> None:
        import agentmeter
        import agentmeter.compat.automation
        import agentmeter.compat.oak
        import agentmeter.compat.orchestrator

        self.assertEqual(
            sorted(agentmeter.__all__),
            ["Agent", "AgentmeterError", "DebugCycle", "Diagnostic", "Meter", "Run", "SpanRef", "Task", "create_redactor", "redact_text", "uuid7"],
        )
        self.assertEqual(agentmeter.compat.oak.__all__, ["TelemetryLogger"])
        self.assertEqual(agentmeter.compat.orchestrator.__all__, ["RunLogger", "IssueTracker"])
        self.assertEqual(agentmeter.compat.automation.__all__, ["AutomationMetrics"])


if __name__ == "__main__":
    unittest.main()
