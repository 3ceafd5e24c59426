"""An answer as it is being written: iterate it for the pieces of text, then ask for the
checked :class:`~se_assistant.models.Answer`, which replaces what was streamed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from se_assistant.models import Answer


class AnswerStream:
    """Pieces of an answer's text as a language model writes them (the whole text at once
    without one), then the final answer.

    >>> stream = assistant.ask_stream("How was Pfefferwerk funded?")
    >>> for piece in stream:
    ...     print(piece, end="")
    >>> stream.answer().citations      # checked: may differ from what was streamed

    ``on_done(callback)`` runs ``callback(answer)`` once the answer is complete.
    """

    def __init__(self, items: Iterator[str | Answer]):
        self._items = items
        self._answer: Answer | None = None
        self._callbacks: list[Callable[[Answer], None]] = []

    def __iter__(self) -> Iterator[str]:
        for item in self._items:
            if isinstance(item, Answer):
                self._finish(item)
            else:
                yield item

    def answer(self) -> Answer:
        """The final, checked answer (reads whatever has not been streamed yet)."""
        for _ in self:
            pass
        if self._answer is None:
            raise RuntimeError("the answer stream ended without an answer")
        return self._answer

    def text(self) -> str:
        """The final answer's text."""
        return self.answer().text

    def on_done(self, callback: Callable[[Answer], None]) -> AnswerStream:
        """Call ``callback(answer)`` when the answer is complete (at once if it is)."""
        if self._answer is not None:
            callback(self._answer)
        else:
            self._callbacks.append(callback)
        return self

    def _finish(self, answer: Answer) -> None:
        self._answer = answer
        for callback in self._callbacks:
            callback(answer)
        self._callbacks.clear()
