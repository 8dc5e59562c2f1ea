"""The live transcript view: shows each turn of an interview as the engine records it."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import RenderableType
from rich.padding import Padding
from rich.text import Text

from mockloop.models import Event, Role, SessionInfo, Turn, TurnKind
from mockloop.redact import visible
from mockloop.store import SessionRecord
from mockloop.tui.fit import fitted_question
from mockloop.tui.render import round_summary
from mockloop.tui.terminal import Terminal, prose, question_panel

_LABELS = {
    TurnKind.FRAMING: "",
    TurnKind.FOLLOW_UP: " · follow-up",
    TurnKind.HINT: " · hint",
}


class TranscriptView:
    """Renders turns as they are recorded (the engine's listener for people)."""

    def __init__(
        self,
        terminal: Terminal,
        *,
        show_candidate: bool = False,
        info: SessionInfo | None = None,
        history: Iterable[Turn] = (),
    ) -> None:
        self.terminal = terminal
        # A person typing sees their own words already; an answers file should be echoed.
        self.show_candidate = show_candidate
        self.info = info
        self.turns: list[Turn] = list(history)  # for the summaries between rounds

    def on_turn(self, turn: Turn) -> None:
        """Show one turn."""
        self.turns.append(turn)
        self._show(_safe(turn))

    def _show(self, turn: Turn) -> None:
        console = self.terminal.err
        if turn.kind is TurnKind.QUESTION:
            index, total = turn.meta.index, turn.meta.total
            title = f"{turn.round.title} · question {index} of {total}"
            if self.show_candidate:  # an answers file: no editor below, the whole question
                console.print(question_panel(turn.text, title))
            else:  # the editor opens below: keep the question's first line on screen
                console.print(fitted_question(console, turn.text, title))
        elif turn.role is Role.INTERVIEWER:
            if self.terminal.take_streamed(turn.text):
                return
            if turn.kind is TurnKind.FRAMING:
                console.rule(turn.round.title, style="cyan")
            label = _LABELS.get(turn.kind, "")
            console.print(Text("Interviewer", style="bold cyan") + Text(label, style="cyan"))
            console.print(Padding(prose(turn.text), (0, 0, 0, 2)))
        elif turn.role is Role.CANDIDATE and self.show_candidate:
            console.print(Text("You: ", style="green") + Text(_shorten(turn.text)))
        elif turn.role is Role.SYSTEM:
            console.print(_system_line(turn))

    def on_event(self, event: Event) -> None:
        """Summarise a round when it ends."""
        if event.event == "round_done" and event.round is not None:
            self.terminal.err.print(
                round_summary(event.round, self.turns, self.info, reason=event.reason)
            )

    def resume_context(self, record: SessionRecord) -> None:
        """On resume, show the question in progress (and what was said about it) again."""
        done = record.done_questions()
        turns = record.transcript.turns
        current = next(
            (
                t.question_id
                for t in reversed(turns)
                if t.question_id and t.question_id not in done and t.kind is TurnKind.QUESTION
            ),
            None,
        )
        self.terminal.note(f"Resuming session {record.transcript.session.id}.")
        for turn in turns:
            if current is not None and turn.question_id == current:
                if turn.role is Role.CANDIDATE and not self.show_candidate:
                    you = Text("You: ", style="green") + Text(_shorten(turn.text))
                    self.terminal.err.print(you)
                elif not turn.meta.paused:
                    self._show(_safe(turn))


# The transcript narrates for a reviewer ("The candidate skipped the question."); the screen
# speaks to the candidate.
_ACTION_LINES = {"skip": "Skipped.", "end_round": "You ended the round."}


def _system_line(turn: Turn) -> RenderableType:
    if turn.kind is TurnKind.TEST_RUN:
        return Padding(Text(turn.text, style="magenta"), (0, 0, 0, 2))
    style = "bold red" if turn.meta.timeout else "yellow"
    return Text(_ACTION_LINES.get(turn.meta.action or "", turn.text), style=style)


def _safe(turn: Turn) -> Turn:
    """The turn with control characters shown as escapes: an answer must not drive the terminal."""
    return turn.model_copy(update={"text": visible(turn.text)})


def _shorten(text: str, limit: int = 300) -> str:
    flat = " ".join(visible(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
