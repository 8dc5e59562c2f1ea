"""A person at a terminal: a prompt-toolkit multi-line editor with slash commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import Output

from mockloop.ports import Action, Clock, Prompt, Reply, SystemClock
from mockloop.terminal import Terminal


@dataclass(frozen=True)
class SlashCommand:
    """A command typed as the whole answer, e.g. /hint."""

    name: str
    help: str
    action: Action | None  # None: handled by the terminal without leaving the prompt


SLASH_COMMANDS: list[SlashCommand] = [
    SlashCommand("/help", "list these commands", None),
    SlashCommand("/hint", "ask the interviewer for a hint", Action.HINT),
    SlashCommand("/repeat", "show the question again", None),
    SlashCommand("/time", "show the time left", None),
    SlashCommand("/skip", "skip this question", Action.SKIP),
    SlashCommand("/end", "end the round; what you answered is scored", Action.END_ROUND),
    SlashCommand("/quit", "save and stop; resume later with `mockloop resume`", Action.QUIT),
]
_BY_NAME = {c.name: c for c in SLASH_COMMANDS}


def _bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _submit(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    return bindings


def format_left(seconds: float | None) -> str:
    """`12:05` style time left, or `no limit`."""
    if seconds is None:
        return "no limit"
    seconds = max(0, int(seconds))
    return f"{seconds // 60:d}:{seconds % 60:02d}"


class TerminalCandidate:
    """Reads answers from the person at the keyboard."""

    def __init__(
        self,
        terminal: Terminal,
        clock: Clock | None = None,
        *,
        input: Input | None = None,
        output: Output | None = None,
    ) -> None:
        self.terminal = terminal
        self.clock = clock or SystemClock()
        self.session: PromptSession[str] = PromptSession(
            multiline=True,
            history=InMemoryHistory(),
            key_bindings=_bindings(),
            completer=WordCompleter([c.name for c in SLASH_COMMANDS], sentence=True),
            complete_while_typing=True,
            input=input,
            output=output,
        )

    def reply(self, prompt: Prompt) -> Reply:
        """Prompt until the person answers or acts."""
        default = prompt.draft
        while True:
            text = self.session.prompt(
                "› ",
                default=default,
                bottom_toolbar=self._toolbar(prompt),
                prompt_continuation="  ",
            )
            default = ""
            command = _BY_NAME.get(text.strip().lower())
            if command is None:
                if text.strip():
                    return Reply(Action.ANSWER, text.rstrip())
                continue
            if command.action is not None:
                return Reply(command.action)
            self._local(command.name, prompt)

    def _local(self, name: str, prompt: Prompt) -> None:
        console = self.terminal.err
        if name == "/help":
            for command in SLASH_COMMANDS:
                console.print(f"  [bold]{command.name:<8}[/bold] {command.help}")
            console.print("  Esc+Enter (or Alt+Enter) submits; Enter adds a line.")
        elif name == "/repeat":
            console.print(prompt.message)
        elif name == "/time":
            console.print(self._times(prompt))

    def _times(self, prompt: Prompt) -> str:
        now = self.clock.now()
        q_left = prompt.question_deadline - now if prompt.question_deadline else None
        r_left = prompt.round_deadline - now if prompt.round_deadline else None
        return f"question {format_left(q_left)} · round {format_left(r_left)}"

    def _toolbar(self, prompt: Prompt) -> Callable[[], str]:
        def render() -> str:
            return (
                f" {prompt.round.title} · question {prompt.index}/{prompt.total} · "
                f"{self._times(prompt)} · Esc+Enter submits · /help"
            )

        return render
