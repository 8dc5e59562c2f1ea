"""The question list of `mockloop banks list --questions`: one aligned line per question."""

from __future__ import annotations

from collections.abc import Sequence

from mockloop.content import Library
from mockloop.models import Question
from mockloop.rounds import Round


def short_title(question: Question, width: int) -> str:
    """The question's title when it has one, else its prompt's first words, within `width`."""
    text = question.title or " ".join(question.prompt.split())
    if len(text) <= width:
        return text
    # Cut at a word boundary so the line reads as a phrase, not a fragment.
    cut = text[: max(width - 1, 1)].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"


def question_lines(
    library: Library, rounds: Sequence[Round], topics: Sequence[str], width: int
) -> list[str]:
    """Per round a heading, then one line per question: id, topic, level, title.

    When the title does not fit beside the rest it goes on the next line, indented, so ids
    stay whole and copyable at any width.
    """
    rows = [
        (round_, question)
        for round_ in Round
        if not rounds or round_ in rounds
        for bank in library.banks
        if bank.round is round_
        for question in bank.questions
        if not topics or question.topic in topics
    ]
    if not rows:
        return ["No questions match (see `mockloop banks list`)."]
    rows.sort(key=lambda row: (list(Round).index(row[0]), row[1].topic, row[1].id))
    id_w = max(len(q.id) for _, q in rows)
    topic_w = max(len(q.topic) for _, q in rows)
    fixed = id_w + topic_w + len("medium") + 6
    title_w = width - fixed - 1
    lines: list[str] = []
    previous: Round | None = None
    for round_, q in rows:
        if round_ is not previous:
            lines.append(f"{'' if previous is None else chr(10)}{round_.value}")
            previous = round_
        head = f"  {q.id:<{id_w}}  {q.topic:<{topic_w}}  {q.difficulty.value:<6}"
        if title_w >= 24:
            lines.append(f"{head}  {short_title(q, title_w)}")
        else:
            lines += [head.rstrip(), f"      {short_title(q, max(width - 7, 20))}"]
    lines.append(f"\n{len(rows)} questions. Practise some: mockloop interview --question ID")
    return lines
