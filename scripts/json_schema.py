"""Write docs/json-output.schema.json: the JSON Schema of what `--json` prints."""

from __future__ import annotations

import json
from pathlib import Path

from mockloop.judgeeval import EvalReport
from mockloop.reports import RunResultDoc

TARGET = Path(__file__).parents[1] / "docs" / "json-output.schema.json"
JUDGE_EVAL_TARGET = TARGET.with_name("judge-eval.schema.json")


def main() -> None:
    """Regenerate the schemas; the test suite fails while a committed copy is stale."""
    TARGET.write_text(json.dumps(RunResultDoc.model_json_schema(), indent=2) + "\n")
    JUDGE_EVAL_TARGET.write_text(json.dumps(EvalReport.model_json_schema(), indent=2) + "\n")


if __name__ == "__main__":
    main()
