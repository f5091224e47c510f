"""What complaints asks of the apps above it, without importing them.

complaints is below routing (org ← complaints ← routing, channels, publishing ← web), yet receiving
a complaint starts routing's work and 법 제23조 needs routing's similarity. The apps above fill
these in from their AppConfig.ready(), as Django's own signals are connected there:

- on_complaint_received(handler): handler(complaint) runs inside receive_complaint's transaction
  (so work it enqueues is dropped with a rolled-back intake);
- on_case_event(handler): handler(complaint, name) runs inside the transaction of every workflow
  action (name: the action, e.g. "assign", "notify") and of the overdue reminder ("overdue"), so
  what it stores (outgoing webhooks) commits or rolls back with the change;
- set_repeat_finder(finder): finder(complaint) -> an object with `.answered` (results notified
  for the earlier same complaints) when the citizen sent the same content 3+ times, else None.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Complaint

ReceivedHandler = Callable[["Complaint"], None]
CaseEventHandler = Callable[["Complaint", str], None]
RepeatFinder = Callable[["Complaint"], Any]

_received: list[ReceivedHandler] = []
_case_events: list[CaseEventHandler] = []
_repeat_finder: list[RepeatFinder] = []


def on_complaint_received(handler: ReceivedHandler) -> ReceivedHandler:
    if handler not in _received:  # ready() may run more than once (tests, reloads)
        _received.append(handler)
    return handler


def complaint_received(complaint: "Complaint") -> None:
    for handler in _received:
        handler(complaint)


def on_case_event(handler: CaseEventHandler) -> CaseEventHandler:
    if handler not in _case_events:
        _case_events.append(handler)
    return handler


def case_event(complaint: "Complaint", name: str) -> None:
    for handler in _case_events:
        handler(complaint, name)


def set_repeat_finder(finder: RepeatFinder) -> None:
    _repeat_finder[:] = [finder]


def find_repeats(complaint: "Complaint") -> Any:
    """None when no app finds repeats: then no complaint counts as repeated (법 제23조 closing
    refuses rather than guesses)."""
    return _repeat_finder[0](complaint) if _repeat_finder else None
