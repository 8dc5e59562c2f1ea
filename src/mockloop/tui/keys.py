"""Key bindings of the answer editor and of the one-key menus (Ctrl-C, pause)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from prompt_toolkit.application import Application
from prompt_toolkit.application.current import get_app
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys

from mockloop.tui.slash import SLASH_COMMANDS, command_on_line


class Exit(StrEnum):
    """Why the editor returned."""

    SUBMIT = "submit"  # Esc+Enter / Alt+Enter
    COMMAND = "command"  # Enter on a line holding only a /command
    INTERRUPT = "interrupt"  # Ctrl-C (or Ctrl-D in an empty editor)
    TIMEOUT = "timeout"  # the question's or the round's time ran out
    SIGNAL = "signal"  # SIGTERM or SIGHUP: save and stop


@dataclass
class EditorState:
    """Shared between the key bindings, the timer and the candidate: how the prompt ended."""

    why: Exit = Exit.SUBMIT
    signum: int = 0
    answers: list[str] = field(default_factory=list)  # earlier answers, oldest first
    recalled: int | None = None  # index of the answer Up/Down put in the editor

    def recall(self, buffer: Buffer, step: int) -> None:
        """Show the earlier (step -1) or later (+1) answer; past the newest, an empty editor."""
        start = len(self.answers) if self.recalled is None else self.recalled
        index = min(max(start + step, 0), len(self.answers))
        self.recalled = index if index < len(self.answers) else None
        text = self.answers[index] if self.recalled is not None else ""
        # Going back, the cursor starts on the first line so that Up again goes further back.
        buffer.document = Document(text, 0 if step < 0 else len(text))

    def browsing(self, buffer: Buffer) -> bool:
        """True while the editor shows a recalled answer, unchanged."""
        return self.recalled is not None and buffer.text == self.answers[self.recalled]

    def finish(self, app: Application[str], text: str, why: Exit, *, erase: bool = False) -> None:
        """End the running prompt with `text` (at most once: the first reason wins).

        `erase` clears the prompt from the screen instead of leaving it in scrollback: after a
        /command or a menu the editor comes back with the same text, so a copy would be noise.
        """
        if app.future is None or app.future.done():
            return
        self.why = why
        app.erase_when_done = erase
        app.exit(result=text)


Vertical = Callable[[Document, int], int | None]  # the cursor one row up (-1) or down (+1)


def line_step(document: Document, step: int) -> int | None:
    """The cursor one whole line up or down (None past either end): for a window never drawn."""
    row = document.cursor_position_row + step
    if not 0 <= row < document.line_count:
        return None
    return document.translate_row_col_to_index(row, document.cursor_position_col)


def editor_bindings(state: EditorState, vertical: Vertical = line_step) -> KeyBindings:
    """Esc+Enter submits, Enter runs a /command line, Up/Down recall answers, Ctrl-C asks.

    `vertical` moves the cursor by screen rows, so that Up and Down walk a wrapped paragraph.
    """
    bindings = KeyBindings()

    @bindings.add("escape", "enter")  # most terminals send Alt+Enter as Esc, Enter
    def _submit(event: KeyPressEvent) -> None:
        state.finish(event.app, event.current_buffer.text, Exit.SUBMIT)

    on_command_line = Condition(
        lambda: command_on_line(_current_buffer().document.current_line) is not None
    )

    @bindings.add("enter", filter=on_command_line)
    def _command(event: KeyPressEvent) -> None:
        # The command goes last, whatever line it was typed on; the rest is the draft.
        document = event.current_buffer.document
        lines = document.lines
        row = document.cursor_position_row
        rest = "\n".join(lines[:row] + lines[row + 1 :]).rstrip()
        text = f"{rest}\n{lines[row].strip()}" if rest else lines[row].strip()
        state.finish(event.app, text, Exit.COMMAND, erase=True)

    typing_command = Condition(lambda: _typed_command(_current_buffer()) is not None)

    @bindings.add("tab", filter=typing_command)
    def _complete(event: KeyPressEvent) -> None:
        # One match completes at once (no waiting for the menu); several open the menu.
        buffer = event.current_buffer
        typed = _typed_command(buffer) or ""
        matches = [c.name for c in SLASH_COMMANDS if c.name.startswith(typed.lower())]
        if len(matches) == 1:
            buffer.delete_before_cursor(len(typed))
            buffer.insert_text(matches[0])
        elif buffer.complete_state:
            buffer.complete_next()
        else:
            buffer.start_completion(insert_common_part=True)

    @bindings.add("tab", filter=~typing_command)
    def _indent(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("    ")  # code in the editor: Tab indents

    @bindings.add("up")
    def _up(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        target = None if buffer.complete_state else vertical(buffer.document, -1)
        if buffer.complete_state:
            buffer.complete_previous()
        elif target is not None:
            buffer.cursor_position = target
        elif not buffer.text or state.browsing(buffer):
            # Only an empty editor (or one showing an earlier answer) walks the history:
            # Up must never replace an answer being written.
            state.recall(buffer, -1)

    @bindings.add("down")
    def _down(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        target = None if buffer.complete_state else vertical(buffer.document, +1)
        if buffer.complete_state:
            buffer.complete_next()
        elif target is not None:
            buffer.cursor_position = target
        elif state.browsing(buffer):
            state.recall(buffer, +1)

    @bindings.add("c-c")
    @bindings.add("<sigint>")
    def _interrupt(event: KeyPressEvent) -> None:
        state.finish(event.app, event.current_buffer.text, Exit.INTERRUPT, erase=True)

    @bindings.add("c-d", filter=Condition(lambda: not _current_buffer().text))
    def _eof(event: KeyPressEvent) -> None:
        state.finish(event.app, "", Exit.INTERRUPT, erase=True)

    return bindings


def _current_buffer() -> Buffer:
    return get_app().current_buffer


def _typed_command(buffer: Buffer) -> str | None:
    """The /word being typed at the start of the cursor's line, if that is all the line holds."""
    document = buffer.document
    typed = document.current_line_before_cursor.lstrip()
    if typed.startswith("/") and " " not in typed and not document.current_line_after_cursor:
        return typed
    return None


def menu_bindings(state: EditorState, keys: str, *, enter: str, interrupt: str) -> KeyBindings:
    """A one-key menu: each of `keys` answers at once; Enter and Ctrl-C pick fixed answers."""
    bindings = KeyBindings()

    def choose(answer: str) -> None:
        @bindings.add(answer)
        @bindings.add(answer.upper())
        def _pick(event: KeyPressEvent) -> None:
            state.finish(event.app, answer, Exit.SUBMIT, erase=True)

    for key in keys:
        choose(key)

    @bindings.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        state.finish(event.app, enter, Exit.SUBMIT, erase=True)

    @bindings.add("c-c")
    @bindings.add("<sigint>")
    @bindings.add("c-d")
    def _interrupt(event: KeyPressEvent) -> None:
        state.finish(event.app, interrupt, Exit.INTERRUPT, erase=True)

    @bindings.add(Keys.Any)
    def _ignore(event: KeyPressEvent) -> None:
        """Other keys do nothing: the menu waits for one of its answers."""

    return bindings
