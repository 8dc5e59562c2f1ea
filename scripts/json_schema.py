"""Write docs/json-output.schema.json: the JSON Schema of what `--json` prints."""

from __future__ import annotations

import json
from pathlib import Path

from mockloop.reports import RunResultDoc

TARGET = Path(__file__).parents[1] / "docs" / "json-output.schema.json"


def main() -> None:
    """Regenerate the schema; the test suite fails while the committed copy is stale."""
    TARGET.write_text(json.dumps(RunResultDoc.model_json_schema(), indent=2) + "\n")


if __name__ == "__main__":
    main()
