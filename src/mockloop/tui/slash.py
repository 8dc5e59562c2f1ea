"""Slash commands: one table that the editor, tab completion and /help all read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from mockloop.ports import Action


@dataclass(frozen=True)
class SlashCommand:
    """A command typed on a line of its own, e.g. /hint; what else is typed stays as the draft."""

    name: str
    help: str
    action: Action | None  # None: handled at the terminal, then the same prompt comes back


SLASH_COMMANDS: list[SlashCommand] = [
    SlashCommand("/help", "list these commands and keys", None),
    SlashCommand("/hint", "ask the interviewer for a hint", Action.HINT),
    SlashCommand("/repeat", "show the question again", None),
    SlashCommand("/time", "show the time left", None),
    SlashCommand("/pause", "stop the clock until you press Enter", None),
    SlashCommand("/edit", "open your answer in $EDITOR", None),
    SlashCommand("/run", "run the visible tests on your code (coding round)", Action.RUN_TESTS),
    SlashCommand("/submit", "hand in the take-home workspace (take-home round)", None),
    SlashCommand("/skip", "skip this question (what you typed is kept)", Action.SKIP),
    SlashCommand("/end", "end the round; what you answered is scored", Action.END_ROUND),
    SlashCommand("/quit", "save and stop; `mockloop resume` continues", Action.QUIT),
]
BY_NAME: dict[str, SlashCommand] = {c.name: c for c in SLASH_COMMANDS}

KEY_HELP: list[tuple[str, str]] = [
    ("Esc+Enter", "submit the answer (Alt+Enter works too)"),
    ("Enter", "new line; on a /command line, run the command"),
    ("Up/Down", "earlier answers, in an empty editor"),
    ("Tab", "complete a /command"),
    ("Ctrl-C", "pause, quit (saved) or continue"),
]


def command_on_line(line: str) -> SlashCommand | None:
    """The command a line holds, if the whole line is one."""
    return BY_NAME.get(line.strip().lower())


def split_command(text: str) -> tuple[SlashCommand | None, str]:
    """Split a submitted buffer into the command on its last line (if any) and the draft above."""
    lines = text.rstrip().split("\n")
    command = command_on_line(lines[-1])
    if command is None:
        return None, text
    return command, "\n".join(lines[:-1]).rstrip()


def help_rows() -> list[tuple[str, str]]:
    """(name, help) rows for /help: the commands, then the keys."""
    return [(c.name, c.help) for c in SLASH_COMMANDS] + KEY_HELP


class SlashCompleter(Completer):
    """Completes a /command at the start of a line; never interferes with the answer's text."""

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        """Commands starting with what is typed on the current line."""
        typed = document.current_line_before_cursor.lstrip()
        if not typed.startswith("/") or " " in typed or document.current_line_after_cursor.strip():
            return
        for command in SLASH_COMMANDS:
            if command.name.startswith(typed.lower()):
                yield Completion(
                    command.name, start_position=-len(typed), display_meta=command.help
                )
