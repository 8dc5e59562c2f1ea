"""Arbitrary input to the importer and the transcript reader: one clear error, never a traceback.

Bounded (max_examples, no deadline on a loaded machine) so the suite stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mockloop.cli.app import app
from mockloop.content import ContentError, Library
from mockloop.importer import import_export
from mockloop.store import SessionWriter, StoreError, read_session

from helpers import new_session

runner = CliRunner()
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


def export_like(draw_value: Any) -> dict[str, Any]:
    return {"format": "mockloop.export/1", "transcript": draw_value}


@pytest.fixture
def home_bytes(tmp_path: Path) -> Path:
    return tmp_path / "fuzz.json"


@FUZZ
@given(data=st.binary(max_size=400))
def test_import_of_arbitrary_bytes_is_one_clear_error(
    data: bytes, home_bytes: Path, mini_library: Library
) -> None:
    home_bytes.write_bytes(data)
    with pytest.raises(ContentError) as caught:
        import_export(home_bytes, mini_library)
    assert all("\x1b" not in str(p) for p in caught.value.problems)


@FUZZ
@given(value=json_values)
def test_import_of_arbitrary_json_is_one_clear_error(
    value: Any, home_bytes: Path, mini_library: Library
) -> None:
    home_bytes.write_text(json.dumps(export_like(value)))
    with pytest.raises(ContentError):
        import_export(home_bytes, mini_library)


@FUZZ
@given(
    session=st.fixed_dictionaries(
        {
            "id": st.text(max_size=120),
            "plan": st.just([]),
            "interviewer": st.text(max_size=10),
        }
    )
)
def test_import_of_arbitrary_session_ids_never_writes_outside_sessions(
    session: dict[str, Any], home_bytes: Path, mini_library: Library, tmp_path: Path
) -> None:
    home_bytes.write_text(json.dumps(export_like({"session": session, "turns": []})))
    try:
        imported = import_export(home_bytes, mini_library)
    except ContentError:
        return
    assert imported.path.parent.name == "sessions" and imported.path.suffix == ".jsonl"
    assert read_session(imported.path).transcript.session.id == imported.session_id


@FUZZ
@given(tail=st.binary(max_size=300), middle=st.binary(max_size=60))
def test_the_reader_and_writer_survive_arbitrary_bytes(
    tail: bytes, middle: bytes, mini_library: Library
) -> None:
    path = new_session(mini_library, count=1)
    header = path.read_bytes()
    path.write_bytes(header + tail)
    try:
        read_session(path)  # a damaged last line is skipped; anything else is a StoreError
    except StoreError as exc:
        assert "\n" not in str(exc)
    with SessionWriter(path):  # whatever the tail, the writer leaves a readable file
        pass
    assert read_session(path).transcript.session.id == path.stem
    path.write_bytes(header + middle + b"\n" + header)
    try:
        read_session(path)
    except StoreError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=15, deadline=None)
@given(data=st.binary(min_size=1, max_size=200))
def test_the_cli_import_prints_one_line_for_garbage(data: bytes, tmp_path_factory: Any) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "garbage.json"
    path.write_bytes(data)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert all(line.startswith("error: ") for line in result.output.strip().splitlines())
