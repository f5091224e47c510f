"""Change versions of what the staff inbox views show (decision 0004).

Each key names a set of cases a person's inbox may depend on — `all`, one department's
(`dept:<id>`, `dept:none` for the unassigned), one person's (`user:<id>`: cases assigned to them,
what they opened, their account) and the organisation chart (`org`). Any change that a list, a
tab count or an unread mark may show gives those keys a new random value in the shared cache,
after its transaction commits. The poll's fast path answers "nothing new" only while every key a
person's view depends on still holds the value it had when Django last said so.
"""

import logging
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_out
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
from django.dispatch import receiver

from ontong.org.models import Department, User

from .models import Complaint, Consultation, Message

log = logging.getLogger(__name__)
ALL = "all"
ORG = "org"
PREFIX = "inbox-version:"


def department_key(department_id: int | None) -> str:
    return f"dept:{department_id if department_id is not None else 'none'}"


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def versions(keys: Iterable[str], *, create: bool) -> dict[str, str] | None:
    """The keys' current values in one cache read; a key the cache does not hold gets a fresh
    value when `create` (Django's full answer), else the answer is None: not known, not equal."""
    keys = list(keys)
    held = {
        k.removeprefix(PREFIX): v for k, v in cache.get_many([PREFIX + k for k in keys]).items()
    }
    missing = [k for k in keys if k not in held]
    if missing and not create:
        return None
    for key in missing:
        value = secrets.token_hex(8)
        cache.add(PREFIX + key, value, timeout=None)
        held[key] = cache.get(PREFIX + key, value)
    return held


def bump(*keys: str) -> None:
    """New values for the keys once the current transaction commits (at once outside one); all
    the keys of one transaction are written together. Nothing while the fast path is off: no
    ticket is made then, and one made before the switch ends within its minute."""
    if not settings.ONTONG_FAST_POLL:
        return
    if not connection.in_atomic_block:
        _write(set(keys))
        return
    pending: set[str] | None = getattr(connection, "_inbox_pending", None)
    waiting = pending is not None and any(
        getattr(entry[1], "pending", None) is pending for entry in connection.run_on_commit
    )
    if pending is None or not waiting:
        pending = set()
        connection._inbox_pending = pending  # type: ignore[attr-defined]  # our own mark on the connection
        transaction.on_commit(_writer(pending), robust=True)
    pending.update(keys)


def _writer(pending: set[str]) -> Callable[[], None]:
    def write() -> None:
        if getattr(connection, "_inbox_pending", None) is pending:
            connection._inbox_pending = None  # type: ignore[attr-defined]  # the next transaction starts its own
        _write(pending)

    write.pending = pending  # type: ignore[attr-defined]  # found again by bump()
    return write


def _write(keys: set[str]) -> None:
    try:
        cache.set_many({PREFIX + key: secrets.token_hex(8) for key in keys}, timeout=None)
    except Exception:
        log.exception("inbox versions not moved: %s", sorted(keys))
        _forget(keys)


def _forget(keys: set[str]) -> None:
    """A version that could not move is removed instead (a full Redis still deletes): a missing
    key sends every ticket that counts on it to Django."""
    try:
        cache.delete_many([PREFIX + key for key in keys])
    except Exception:  # the change is saved; a ticket drawn before it lives a minute at most
        log.exception("inbox versions not removed either: %s", sorted(keys))


def case_keys(department_id: int | None, assignee_id: int | None) -> list[str]:
    keys = [ALL, department_key(department_id)]
    if assignee_id is not None:
        keys.append(user_key(assignee_id))
    return keys


def case_changed(complaint: Complaint) -> None:
    """A case changed without a save (a queryset update): its views may show it."""
    bump(*case_keys(complaint.department_id, complaint.assignee_id))


def cases_changed(rows: Iterable[tuple[int | None, int | None]]) -> None:
    """Cases (department id, assignee id) changed by one queryset update."""
    keys = {
        key for department_id, assignee_id in rows for key in case_keys(department_id, assignee_id)
    }
    if keys:
        bump(*keys)


# What the views show changes with these saves ------------------------------------------------

LOADED = "_inbox_loaded"  # (department id, assignee id) as read: a save may move the case away


@receiver(post_init, sender=Complaint)
def remember_place(sender: type[Complaint], instance: Complaint, **kwargs: Any) -> None:
    instance.__dict__[LOADED] = (
        instance.__dict__.get("department_id"),
        instance.__dict__.get("assignee_id"),
    )


@receiver(post_save, sender=Complaint)
@receiver(post_delete, sender=Complaint)
def complaint_changed(sender: type[Complaint], instance: Complaint, **kwargs: Any) -> None:
    before_department, before_assignee = instance.__dict__.get(LOADED, (None, None))
    keys = {
        *case_keys(instance.department_id, instance.assignee_id),
        *case_keys(before_department, before_assignee),
    }
    instance.__dict__[LOADED] = (instance.department_id, instance.assignee_id)
    bump(*keys)


@receiver(post_save, sender=Message)
def citizen_wrote(sender: type[Message], instance: Message, created: bool, **kwargs: Any) -> None:
    """A citizen's message makes the case unread for its staff."""
    if not created or instance.direction != Message.Direction.IN:
        return
    if Message.complaint.is_cached(instance):
        department_id = instance.complaint.department_id
        assignee_id = instance.complaint.assignee_id
    else:
        place = (
            Complaint.objects.filter(pk=instance.complaint_id)
            .values_list("department_id", "assignee_id")
            .first()
        )
        department_id, assignee_id = place or (None, None)
    bump(*case_keys(department_id, assignee_id))


@receiver(post_save, sender=Consultation)
@receiver(post_delete, sender=Consultation)
def consultation_changed(sender: type[Consultation], instance: Consultation, **kwargs: Any) -> None:
    """A 협조 request brings the case into the asked department's views."""
    bump(ALL, department_key(instance.department_id))


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def account_changed(sender: type[User], instance: User, **kwargs: Any) -> None:
    """Deactivated, moved to another department, …: the person's view is drawn again."""
    bump(user_key(instance.pk))


@receiver(m2m_changed, sender=User.groups.through)
def roles_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("action", "").startswith("post_") and isinstance(instance, User):
        bump(user_key(instance.pk))
    elif kwargs.get("action", "").startswith("post_"):
        bump(ORG)  # a role group changed from its side: whoever is in it


@receiver(post_save, sender=Group)
@receiver(post_delete, sender=Group)
def role_group_changed(sender: type[Group], instance: Group, **kwargs: Any) -> None:
    """Roles are groups by name: a renamed or deleted group changes its members' roles (a
    deletion removes their memberships without m2m_changed)."""
    bump(ORG)


@receiver(user_logged_out)
def logged_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        bump(user_key(user.pk))


@receiver(post_save, sender=Department)
@receiver(post_delete, sender=Department)
def chart_changed(sender: type[Department], instance: Department, **kwargs: Any) -> None:
    """A department moved under another changes who sees which cases."""
    bump(ORG)
