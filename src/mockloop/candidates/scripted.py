"""Non-interactive candidates: scripted answers from a file or from standard input."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from mockloop.content import ContentError, Problem, display_path, read_yaml
from mockloop.models import Role, Turn, TurnKind, TurnMeta
from mockloop.ports import Action, Prompt, Reply

_SEPARATOR = re.compile(r"^\s*---\s*$", re.M)


class ScriptedCandidate:
    """Replies with prepared answers; never waits for input.

    Answers are either keyed by question id (the first for the question, the rest for its
    follow-ups) or one flat list used in order for every prompt. When the answers for a question
    run out, the candidate moves on; when there is no answer at all, it skips.
    """

    def __init__(
        self, by_question: dict[str, list[str]] | None = None, in_order: list[str] | None = None
    ) -> None:
        self._by_question = {k: iter(v) for k, v in (by_question or {}).items()}
        self._in_order: Iterator[str] = iter(in_order or [])
        self._keyed = by_question is not None
        self.answered: defaultdict[str, int] = defaultdict(int)

    def unknown_keys(self, question_ids: Iterable[str]) -> list[str]:
        """Answer-file keys that name none of these questions (a typo would skip silently)."""
        known = set(question_ids)
        return [key for key in self._by_question if key not in known]

    def reply(self, prompt: Prompt) -> Reply:
        """The next prepared answer for this prompt, or move on."""
        source = (
            self._by_question.get(prompt.question.id, iter(())) if self._keyed else self._in_order
        )
        answer = next(source, None)
        if answer is None:
            return Reply(Action.SKIP, meta=TurnMeta(reason="no scripted answer"))
        self.answered[prompt.question.id] += 1
        return Reply(Action.ANSWER, answer.strip())

    def skip_recorded(self, turns: Sequence[Turn]) -> None:
        """On resume: pass over the answers the transcript already holds, so none is given twice."""
        for turn in turns:
            if turn.role is not Role.CANDIDATE or turn.kind is not TurnKind.ANSWER:
                continue
            qid = turn.question_id or ""
            source = self._by_question.get(qid) if self._keyed else self._in_order
            if source is not None and next(source, None) is not None:
                self.answered[qid] += 1


def split_answers(text: str) -> list[str]:
    """Answers separated by lines holding only `---`."""
    return [part.strip() for part in _SEPARATOR.split(text) if part.strip()]


def load_answers(path: Path) -> ScriptedCandidate:
    """Read answers: YAML/JSON (by question id, or a list) or text separated by `---` lines."""
    shown = display_path(path)
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        try:
            return ScriptedCandidate(in_order=split_answers(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise ContentError([Problem(shown, 1, "", f"cannot read answers: {exc}")]) from exc
    data, source = read_yaml(path)
    if isinstance(data, list) and all(isinstance(a, str) for a in data):
        return ScriptedCandidate(in_order=list(data))
    if isinstance(data, dict):
        by_question: dict[str, list[str]] = {}
        for key, value in data.items():
            answers = [value] if isinstance(value, str) else value
            if not (isinstance(answers, list) and all(isinstance(a, str) for a in answers)):
                raise ContentError(
                    [
                        Problem(
                            shown,
                            source.line_of((key,)),
                            str(key),
                            "must be an answer (text) or a list of answers",
                        )
                    ]
                )
            by_question[str(key)] = answers
        return ScriptedCandidate(by_question=by_question)
    raise ContentError(
        [Problem(shown, 1, "", "must map question ids to answers, or be a list of answers")]
    )
