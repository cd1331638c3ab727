"""Progress of a long pass, for whoever shows it (the CLI draws bars; under a worker it goes to the log).

A listener is a callable (stage, done, total). Kept out of flow parameters so flows stay serialisable.
"""
from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[str, int, int], None]
_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def report(stage: str, done: int, total: int) -> None:
    for listener in list(_listeners):
        try:
            listener(stage, done, total)
        except Exception:  # a broken progress display must never break a run
            pass
