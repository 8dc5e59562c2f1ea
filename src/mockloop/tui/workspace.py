"""The take-home round at the terminal: a workspace folder to build in, /run and /submit.

A take-home is built in the candidate's own editor, not in the answer box. When its brief comes
up the starter workspace is written to a folder named on screen; /run runs the visible tests
there, /submit hands the folder in (the engine runs the visible and hidden tests, then asks for
the walkthrough), and /quit leaves it for `mockloop resume` or `mockloop takehome submit DIR`.
"""

from __future__ import annotations

from pathlib import Path

from mockloop.models import TurnMeta
from mockloop.ports import Action, Prompt, Reply
from mockloop.rounds import Round
from mockloop.tui.terminal import Terminal


def is_brief(prompt: Prompt) -> bool:
    """True while a take-home brief with a workspace waits for its submission."""
    return (
        prompt.round is Round.TAKEHOME
        and bool(prompt.question.workspace)
        and prompt.message.strip() == prompt.question.prompt.strip()
    )


def shown(folder: Path) -> str:
    """The folder as the candidate would type it: relative to where they are, when inside."""
    try:
        return f"./{folder.relative_to(Path.cwd())}"
    except ValueError:
        return str(folder)


def folder_for(prompt: Prompt) -> Path:
    """Where this session's take-home is built: a folder in the current directory."""
    name = f"takehome-{prompt.session_id}" if prompt.session_id else "takehome"
    return Path.cwd() / name


class TakehomeDesk:
    """Writes the workspace once per brief and turns /run and /submit into actions on it."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self._ready: set[str] = set()

    def open(self, prompt: Prompt) -> None:
        """Write the starter workspace (unless it is there already) and say how to go on."""
        from mockloop.takehome import MARKER, start

        folder = folder_for(prompt)
        if prompt.question.id in self._ready:
            return
        if not (folder / MARKER).exists():
            start(prompt.question, folder)
        self._ready.add(prompt.question.id)
        self.terminal.note(
            f"The starter workspace is in {shown(folder)}\n"
            "Build it there in your own editor. Here: /run runs the visible tests, /submit "
            "hands it in (the visible and hidden tests run, then we talk it through), /quit "
            f"saves; later `mockloop resume` or `mockloop takehome submit {shown(folder)}`."
        )

    def run_visible(self, prompt: Prompt) -> None:
        """Run the visible tests on the folder and show the result (not recorded)."""
        from mockloop.takehome import run_tests

        folder = folder_for(prompt)
        self.terminal.note(f"Running the visible tests in {shown(folder)}…")
        self.terminal.say(run_tests(prompt.question, folder, "visible").text)

    def submit(self, prompt: Prompt, note: str) -> Reply:
        """The folder's files (and what was typed) as the answer; the engine runs the tests."""
        from mockloop.takehome import collect

        folder = folder_for(prompt)
        submission = collect(folder)
        self.terminal.note(f"Running the visible and hidden tests in {shown(folder)}…")
        text = submission.as_text()
        meta = TurnMeta(
            submission=True,
            files=sorted(submission.files),
            skipped=submission.skipped,
            workspace=str(folder),
        )
        return Reply(Action.ANSWER, f"{note.strip()}\n\n{text}".strip(), meta=meta)
