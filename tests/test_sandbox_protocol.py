"""The trusted side of a run: what the parent accepts from the harness, and the workspace walk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mockloop.sandbox import protocol, workspace

NONCE = "ab" * 16
EXPECTED = ["test_a", "test_b"]


def line(seq: int, kind: str, a: str, b: str, c: str = "", nonce: str = NONCE) -> str:
    return f"{nonce} {seq} {kind} {a} {b} {c.encode().hex()}\n"


def hexname(name: str) -> str:
    return name.encode().hex()


def good() -> str:
    return (
        line(0, "test", hexname("test_a"), "1")
        + line(1, "test", hexname("test_b"), "0", "AssertionError: x")
        + line(2, "end", "ok", "2")
    )


def test_a_complete_report_is_accepted() -> None:
    report = protocol.check(good().encode(), NONCE, EXPECTED)
    assert not report.tampered and report.status == "ok"
    assert report.outcomes == [("test_a", True, ""), ("test_b", False, "AssertionError: x")]


def test_a_report_without_an_end_has_no_status() -> None:
    raw = line(0, "test", hexname("test_a"), "1")
    report = protocol.check(raw.encode(), NONCE, EXPECTED)
    assert report.status is None and not report.tampered


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (good().replace(NONCE, "cd" * 16), "without this run's nonce"),
        (line(0, "end", "ok", "0"), "0 outcomes reported for 2 tests"),
        (line(0, "test", hexname("test_b"), "1"), "not run next"),
        (line(0, "test", hexname("test_zzz"), "1"), "not run next"),
        (line(1, "test", hexname("test_a"), "1"), "without this run's nonce and sequence"),
        (good() + line(3, "test", hexname("test_a"), "1"), "goes on after its end"),
        (line(0, "test", "zz", "1"), "malformed"),
        (line(0, "end", "great", "0"), "malformed end"),
        (line(0, "end", "tampered", "0", "test_a was replaced"), "test_a was replaced"),
        ('{"status": "ok", "outcomes": []}\n', "without this run's nonce"),
    ],
)
def test_a_forged_or_broken_report_is_tampering(raw: str, reason: str) -> None:
    report = protocol.check(raw.encode(), NONCE, EXPECTED)
    assert reason in report.tampered and report.status is None


def test_test_names_follow_definition_order_once() -> None:
    code = "def test_b(): pass\ndef helper(): pass\nasync def test_a(): pass\ndef test_b(): pass\n"
    assert protocol.test_names(code) == ["test_b", "test_a"]
    assert protocol.test_names("def test_(:") == []


def test_the_walk_never_follows_links_or_opens_special_files(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("a = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("secret")
    (tmp_path / "id_rsa").write_text("PRIVATE")
    (root / "key").symlink_to(tmp_path / "id_rsa")
    (root / "zero").symlink_to("/dev/zero")
    (root / "up").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(root / "fifo")
    (root / "big.bin").write_bytes(b"x" * 2000)
    found = workspace.walk(root, max_file=1000)
    assert found.files == {"pkg/a.py": b"a = 1\n"}
    assert sorted(found.skipped) == [
        "big.bin (too large (2,000 bytes))",
        "fifo (a FIFO)",
        "key (a symlink)",
        "up (a symlink)",
        "zero (a symlink)",
    ]


def test_the_walk_stops_at_the_total(tmp_path: Path) -> None:
    for index in range(5):
        (tmp_path / f"f{index}.txt").write_bytes(b"x" * 400)
    found = workspace.walk(tmp_path, max_total=1000)
    assert found.size <= 1000 and len(found.files) == 2 and len(found.skipped) == 3
