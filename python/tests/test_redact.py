"""The shared redaction vectors, and the redactor's contract."""
from __future__ import annotations

import json
import os
import unittest

from agentmeter import AgentmeterError, create_redactor, redact_text

from .helpers import VECTORS


class RedactionVectors(unittest.TestCase):
    def test_every_case_gives_the_typescript_output(self) -> None:
        with open(os.path.join(VECTORS, "redaction.json"), encoding="utf-8") as f:
            doc = json.load(f)
        self.assertGreaterEqual(len(doc["cases"]), 50)
        for case in doc["cases"]:
            text = "".join(case["input"]) if isinstance(case["input"], list) else case["input"]
            with self.subTest(text[:60]):
                redact = create_redactor(**case["options"])
                self.assertEqual(redact(text), case["expected"])
                # Idempotent: a redacted text stays as it is.
                self.assertEqual(redact(case["expected"]), case["expected"])


class RedactorContract(unittest.TestCase):
    def test_bad_options_raise_at_setup(self) -> None:
        with self.assertRaises(AgentmeterError) as cm:
            create_redactor(max_length=10)
        self.assertEqual(cm.exception.code, "E_MODEL_BAD_OPTION")
        with self.assertRaises(AgentmeterError):
            create_redactor(home_dirs="/home/x")  # type: ignore[arg-type]

    def test_never_raises_and_fails_closed(self) -> None:
        self.assertEqual(redact_text(None), "")  # type: ignore[arg-type]
        self.assertEqual(redact_text("x", max_length=1), "[REDACTED]")

        class Hostile:
            def sub(self, *a: object) -> str:
                raise RuntimeError("boom")

        redact = create_redactor()
        # A failure inside redaction returns the placeholder, never the input.
        from agentmeter import redact as mod

        rules = mod.SECRET_RULES
        try:
            mod.SECRET_RULES = (mod.Rule(Hostile(), "x"),)  # type: ignore[arg-type]
            self.assertEqual(redact("password=hunter2 please"), "[REDACTED]")
        finally:
            mod.SECRET_RULES = rules


if __name__ == "__main__":
    unittest.main()
