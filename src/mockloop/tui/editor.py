"""A person at a terminal: a prompt-toolkit multi-line editor with a live countdown.

The candidate shares a PausableClock with the engine: /pause stops it for both, so a pause never
counts against the question or the round. Every way out of the editor (submit, a /command, time
running out, Ctrl-C, SIGTERM or SIGHUP) becomes a Reply; a quit carries the draft, which the engine
records so that `mockloop resume` puts it back.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import subprocess
import tempfile
from functools import partial
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.application import Application, get_app, run_in_terminal
from prompt_toolkit.data_structures import Size
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.input import Input
from prompt_toolkit.layout import BufferControl, Window
from prompt_toolkit.layout.dimension import AnyDimension, Dimension, to_dimension
from prompt_toolkit.lexers import DynamicLexer, Lexer, PygmentsLexer
from prompt_toolkit.output import Output

from mockloop.analysis.embedding import default_similarity
from mockloop.errors import ExitStatus
from mockloop.ports import Action, Clock, PausableClock, Prompt, Reply
from mockloop.rounds import Round
from mockloop.tui.countdown import TOOLBAR_STYLE, Warnings, time_left, toolbar
from mockloop.tui.fit import EDITOR_ROWS, question_rows
from mockloop.tui.keys import EditorState, Exit, editor_bindings, line_step, menu_bindings
from mockloop.tui.signals import exit_status, intercept
from mockloop.tui.slash import (
    SLASH_COMMANDS,
    SlashCommand,
    SlashCompleter,
    help_rows,
    split_command,
)
from mockloop.tui.terminal import Terminal
from mockloop.tui.workspace import TakehomeDesk, is_brief
from mockloop.tui.wrap import WordWrap

__all__ = ["SLASH_COMMANDS", "TerminalCandidate"]

TOOLBAR_ROWS = 1  # the countdown toolbar below the editor (countdown.toolbar fits one line)


class TerminalCandidate:
    """Reads answers from the person at the keyboard."""

    def __init__(
        self,
        terminal: Terminal,
        clock: Clock | None = None,
        *,
        input: Input | None = None,
        output: Output | None = None,
        tick: float = 0.2,
    ) -> None:
        self.terminal = terminal
        # The engine must measure time with this same clock: the Environment holds one for both.
        self.clock = clock if isinstance(clock, PausableClock) else PausableClock(clock)
        self.tick = tick  # how often the timer looks at the clock
        self.session_id: str | None = None  # named in the Ctrl-C menu
        self.state = EditorState()
        self._warnings = Warnings()
        self._prompt: Prompt | None = None
        self._active: Application[str] | None = None  # the prompt on screen, for signals
        self._pending_signal = 0
        self._carry: tuple[str, str] | None = None  # (question id, draft) kept across a /hint
        self._python: Lexer | None = None
        self._answered: set[str] = set()  # questions answered here: no starter code again
        self._desk = TakehomeDesk(terminal)
        self._asked: dict[str, str] = {}  # question id -> what /repeat shows (never a hint)
        wrap = WordWrap()
        self.session: PromptSession[str] = PromptSession(
            multiline=True,
            input_processors=[wrap],
            key_bindings=editor_bindings(self.state, self._vertical),
            completer=SlashCompleter(),
            complete_while_typing=True,
            reserve_space_for_menu=4,  # room for the /command menu without eating a small screen
            lexer=DynamicLexer(self._lexer),
            style=TOOLBAR_STYLE,
            bottom_toolbar=self._toolbar,
            prompt_continuation="  ",
            input=input,
            output=output,
        )
        self._menu: PromptSession[str] = PromptSession(input=input, output=output)
        window = self._window = _editor_window(self.session)
        self._wrap = wrap
        wrap.prefix = window.get_line_prefix  # the "› " and continuation columns on each row
        base_height = window.height
        window.height = lambda: self._height(base_height)
        self._fit: tuple[tuple[str, int, int], int] | None = None  # (message, size) -> its rows

    # -- the reply loop -----------------------------------------------------------------------

    def reply(self, prompt: Prompt) -> Reply:
        """Prompt until the person answers or acts."""
        self._prompt = prompt
        self.session_id = prompt.session_id or self.session_id
        # The offline scorer's model loads while the person reads and types, not after.
        default_similarity().warm_up()
        # After a /hint the engine asks again with the hint as its message; /repeat must still
        # show what was asked, so remember the last message that was not a hint.
        hinted = self._carry is not None and self._carry[0] == prompt.question.id
        if not hinted or prompt.question.id not in self._asked:
            self._asked[prompt.question.id] = prompt.message
        if is_brief(prompt):
            self._desk.open(prompt)
        draft = prompt.draft or self._take_carry(prompt) or self._starter(prompt)
        while True:
            text = self._edit(prompt, draft)
            why = self.state.why
            if why is Exit.TIMEOUT:
                self.terminal.note("Time is up: your answer was submitted as it stands.")
                return Reply(Action.ANSWER, text.rstrip(), timed_out=True)
            if why is Exit.SIGNAL:
                return self._stop(text, exit_status(self.state.signum))
            if why is Exit.INTERRUPT:
                outcome = self._interrupted(text)
                if outcome is not None:
                    return outcome
                draft = text
                continue
            command, draft = split_command(text)
            if command is None:
                if text.strip() and is_brief(prompt):
                    return self._desk.submit(prompt, text)  # what was typed goes with the folder
                if text.strip():
                    return self._answer(prompt, text.rstrip())
                self.terminal.note("Nothing to submit yet: write an answer, or /skip.")
                continue
            result = self._command(command, draft, prompt)
            if isinstance(result, Reply):
                return result
            draft = result

    def _answer(self, prompt: Prompt, text: str) -> Reply:
        question = prompt.question
        first_code = question.tests is not None and question.starter_code is not None
        if first_code and not question.workspace and question.id not in self._answered:
            self.terminal.note("Running the tests on your code…")  # they take a few seconds
        self.state.answers.append(text)
        self._answered.add(question.id)
        return Reply(Action.ANSWER, text)

    def _command(self, command: SlashCommand, draft: str, prompt: Prompt) -> Reply | str:
        """Act on a /command; a string result is the draft to edit next."""
        if command.action is Action.HINT:
            self._carry = (prompt.question.id, draft)  # the engine asks again with no draft
            return Reply(Action.HINT)
        if command.name == "/submit" or (command.action is Action.RUN_TESTS and is_brief(prompt)):
            return self._workspace_command(command, draft, prompt)
        if command.action is Action.RUN_TESTS:
            if prompt.question.tests is None:
                self.terminal.note("This question has no tests to run.")
                return draft
            if not draft.strip():
                self.terminal.note("Write your code first, then /run on a line of its own.")
                return draft
            self.terminal.note("Running the visible tests…")
            return Reply(Action.RUN_TESTS, draft)
        if command.action is not None:
            return Reply(command.action, draft)
        if command.name == "/help":
            self.terminal.table(help_rows())
        elif command.name == "/repeat":
            title = f"{prompt.round.title} · question {prompt.index} of {prompt.total}"
            self.terminal.message(self._asked.get(prompt.question.id, prompt.message), title=title)
        elif command.name == "/time":
            self.terminal.say(f"Time left: {time_left(prompt, self.clock.now()).describe()}")
        elif command.name == "/pause":
            return self._pause(draft) or draft
        elif command.name == "/edit":
            suffix = ".py" if prompt.round is Round.CODING else ".md"
            return edit_in_editor(draft, suffix, self.terminal)
        return draft

    def _workspace_command(self, command: SlashCommand, draft: str, prompt: Prompt) -> Reply | str:
        """/run and /submit on a take-home workspace; /submit elsewhere says what it is for."""
        if not is_brief(prompt):
            self.terminal.note("/submit hands in a take-home workspace; Esc+Enter sends an answer.")
            return draft
        if command.name == "/submit":
            return self._desk.submit(prompt, draft)
        self._desk.run_visible(prompt)
        return draft

    def _starter(self, prompt: Prompt) -> str:
        """The coding question's starter code, when the question itself (not a follow-up) is up."""
        question = prompt.question
        if not question.starter_code or question.id in self._answered:
            return ""
        return question.starter_code.rstrip() if prompt.message == question.prompt.strip() else ""

    def _take_carry(self, prompt: Prompt) -> str:
        carry, self._carry = self._carry, None
        return carry[1] if carry and carry[0] == prompt.question.id else ""

    def _stop(self, draft: str, status: int) -> Reply:
        """Quit, saved; the CLI exits with `status` (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP)."""
        return Reply(Action.QUIT, draft, exit_status=status)

    # -- the editor -----------------------------------------------------------------------------

    def _edit(self, prompt: Prompt, draft: str) -> str:
        """Run the editor once; `self.state.why` says how it ended."""
        self.state.why, self.state.recalled = Exit.SUBMIT, None
        timed = time_left(prompt, self.clock.now()).nearest is not None
        with intercept(self._on_signal):
            try:
                text = self.session.prompt(
                    "› ",
                    default=draft,
                    pre_run=lambda: self._started(prompt if timed else None),
                    refresh_interval=1.0 if timed else 0,
                )
            except (KeyboardInterrupt, EOFError):  # a dumb terminal keeps the default keys
                self.state.why = Exit.INTERRUPT
                text = self.session.default_buffer.text
            except OSError:  # the terminal went away under the prompt
                if not self._pending_signal:
                    raise
                text = self.session.default_buffer.text
            finally:
                self._active = None
        if self._pending_signal:
            self.state.why, self.state.signum = Exit.SIGNAL, self._pending_signal
        return text

    def _started(self, timed: Prompt | None) -> None:
        """Called inside the running prompt: remember it, and start the timer if there is one."""
        app = get_app()
        self._active = app
        if timed is not None:
            app.create_background_task(self._watch(app, timed))

    async def _watch(self, app: Application[str], prompt: Prompt) -> None:
        """Warn at 5 and 1 minute left; at the deadline submit the editor's text as it stands."""
        while True:
            left = time_left(prompt, self.clock.now())
            for level, message in self._warnings.due(prompt, left):
                await run_in_terminal(partial(self.terminal.say, message, level))
            if left.expired:
                self.state.finish(app, self.session.default_buffer.text, Exit.TIMEOUT)
                return
            await asyncio.sleep(self.tick)

    def _on_signal(self, signum: int) -> bool:
        """SIGTERM/SIGHUP while a prompt is up: end it; the reply loop then quits, saving."""
        app = self._active
        if app is None or app.loop is None or app.future is None or app.future.done():
            return False
        self._pending_signal = signum
        app.loop.call_soon_threadsafe(
            lambda: self.state.finish(app, app.current_buffer.text, Exit.SIGNAL)
        )
        return True

    def _toolbar(self) -> StyleAndTextTuples:
        prompt = self._prompt
        if prompt is None:
            return []
        width = get_app().output.get_size().columns
        return toolbar(prompt, time_left(prompt, self.clock.now()), width)

    def _height(self, base: AnyDimension) -> Dimension:
        """The editor's rows: at most what the question above it leaves; it scrolls inside."""
        dimension = to_dimension(base)
        app = get_app()
        if self._prompt is None or app.is_done:  # the answer as sent is shown in full
            return dimension
        size = app.output.get_size()
        room = size.rows - self._question_rows(self._prompt.message, size) - TOOLBAR_ROWS
        cap = max(room, EDITOR_ROWS - TOOLBAR_ROWS)
        low = min(dimension.min, cap) if dimension.min_specified else None
        return Dimension(min=low, max=cap)

    def _vertical(self, document: Document, step: int) -> int | None:
        """Up/Down by screen row, as the editor last drew its lines (whole lines before that)."""
        info = self._window.render_info
        if info is None:
            return line_step(document, step)
        return self._wrap.vertical(document, step, info.window_width)

    def _question_rows(self, message: str, size: Size) -> int:
        """Rows the question (or message) above the editor takes, as the transcript printed it."""
        key = (message, size.columns, size.rows)
        if self._fit is None or self._fit[0] != key:
            rows = question_rows(self.terminal.err, message, size.columns, size.rows)
            self._fit = (key, rows)
        return self._fit[1]

    def _lexer(self) -> Lexer | None:
        if self._prompt is None or self._prompt.round is not Round.CODING:
            return None
        if self._python is None:
            from pygments.lexers.python import PythonLexer  # type: ignore[import-untyped]

            self._python = PygmentsLexer(PythonLexer)
        return self._python

    # -- Ctrl-C and /pause ----------------------------------------------------------------------

    def _interrupted(self, draft: str) -> Reply | None:
        """Ctrl-C: pause, quit (saved) or continue; a second Ctrl-C quits."""
        resume = f"mockloop resume {self.session_id}" if self.session_id else "mockloop resume"
        self.terminal.say(f"Quitting saves everything; `{resume}` continues later.")
        self.clock.pause()  # deciding is not answering: the menu does not cost interview time
        try:
            choice = self._ask("Pause, quit or continue? [p/q/c] ", "pqc", enter="c", interrupt="q")
        finally:
            self.clock.resume()
        if self.state.why is Exit.SIGNAL:
            return self._stop(draft, exit_status(self.state.signum))
        if choice == "q":
            return self._stop(draft, ExitStatus.INTERRUPTED)
        if choice == "p":
            return self._pause(draft)
        self.terminal.note("Continuing.")
        return None

    def _pause(self, draft: str) -> Reply | None:
        """Stop the clock until Enter; Ctrl-C while paused quits, saved."""
        self.clock.pause()
        try:
            self.terminal.say("Paused: the clock is stopped. Press Enter to go on.", "warn")
            choice = self._ask("(paused) ", "", enter="go", interrupt="quit")
        finally:
            self.clock.resume()
        if self.state.why is Exit.SIGNAL:
            return self._stop(draft, exit_status(self.state.signum))
        if choice == "quit":
            return self._stop(draft, ExitStatus.INTERRUPTED)
        self.terminal.note("The clock is running again.")
        return None

    def _ask(self, message: str, keys: str, *, enter: str, interrupt: str) -> str:
        """A one-key menu; SIGTERM/SIGHUP end it with `self.state.why` set to SIGNAL."""
        self.state.why = Exit.SUBMIT
        bindings = menu_bindings(self.state, keys, enter=enter, interrupt=interrupt)
        with intercept(self._on_signal):
            try:
                choice = self._menu.prompt(
                    message, key_bindings=bindings, pre_run=lambda: self._started(None)
                )
            except (KeyboardInterrupt, EOFError, OSError):
                choice = interrupt
            finally:
                self._active = None
        if self._pending_signal:
            self.state.why, self.state.signum = Exit.SIGNAL, self._pending_signal
        return choice


def _editor_window(session: PromptSession[str]) -> Window:
    """The window that shows the session's answer buffer."""
    for window in session.layout.find_all_windows():
        control = window.content
        if isinstance(control, BufferControl) and control.buffer is session.default_buffer:
            return window
    raise LookupError("the prompt has no window for its buffer")  # prompt-toolkit changed


def edit_in_editor(text: str, suffix: str, terminal: Terminal) -> str:
    """Open `text` in $VISUAL/$EDITOR (else nano or vi) and return what was saved."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    editor = editor or next((e for e in ("nano", "vim", "vi") if shutil.which(e)), None)
    if editor is None:
        terminal.say("No editor found: set $EDITOR (e.g. export EDITOR=nano).", "warn")
        return text
    handle, name = tempfile.mkstemp(prefix="mockloop-answer-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text + "\n" if text else "")
        status = subprocess.call([*shlex.split(editor), str(path)])
        if status != 0:
            terminal.say(f"The editor exited with status {status}; your answer is unchanged.")
            return text
        return path.read_text(encoding="utf-8").rstrip("\n")
    except (OSError, ValueError) as exc:
        terminal.say(f"Could not run the editor {editor!r}: {exc}", "warn")
        return text
    finally:
        path.unlink(missing_ok=True)
