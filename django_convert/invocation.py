"""Which management command is running in this thread, for checks that depend on it.

Django runs the system checks before most commands and prints every message, Info
included, to stderr: an informational hint (I202) would then reach every cron job's mail.
System check functions are not told which command runs them, so this looks for the
command object on the call stack (``BaseCommand.execute``/``handle``, or ``runserver``'s
thread running ``inner_run``). Cheap: a walk up a few dozen frames, once per check run.
"""

from __future__ import annotations

import sys
from types import FrameType


def running_command() -> str | None:
    """The name of the innermost management command on this thread's stack
    (``"check"``, ``"runserver"``, ``"migrate"``...), or None outside any command."""
    from django.core.management.base import BaseCommand

    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        owner = frame.f_locals.get("self")
        if isinstance(owner, BaseCommand):
            return type(owner).__module__.rpartition(".")[2]
        frame = frame.f_back
    return None


def informational_checks_wanted() -> bool:
    """Info messages belong to ``manage.py check`` (and direct calls), not to every command."""
    return running_command() in (None, "check")
