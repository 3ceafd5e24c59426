"""Runs a model call in a worker thread and gives up at a deadline."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def within(seconds: float, produce: Callable[[], Iterable[T]]) -> Iterator[T]:
    """Yield the items of ``produce()`` until it ends; raise :class:`TimeoutError` once
    ``seconds`` have passed since the call started, and re-raise what the producer raised.

    Hand-written because HTTP client timeouts bound each read, not the whole reply: a server
    trickling tokens, or slow to accept, could otherwise hold a question far past the limit."""
    items: queue.Queue[tuple[str, object]] = queue.Queue()
    stop = threading.Event()

    def run() -> None:
        source = None
        try:
            source = iter(produce())
            for item in source:
                if stop.is_set():
                    break
                items.put(("item", item))
            items.put(("done", None))
        except BaseException as exc:  # handed to the caller's thread
            items.put(("error", exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):  # closing an abandoned stream: best effort
                    close()

    worker = threading.Thread(target=run, name="se-assistant-llm", daemon=True)
    end = time.monotonic() + seconds
    worker.start()
    try:
        while True:
            remaining = end - time.monotonic()
            try:
                kind, value = items.get(timeout=max(remaining, 0.0))
            except queue.Empty:
                raise TimeoutError(f"no complete reply within {seconds:g} s") from None
            if kind == "item":
                yield value  # type: ignore[misc]
            elif kind == "done":
                return
            else:
                raise value  # type: ignore[misc]
    finally:
        stop.set()
