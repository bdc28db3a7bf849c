"""The ``ENABLED`` switch as recording sees it: off is said once, loudly.

Kept apart from ``record`` so the receivers and ``RecordingQuerySet`` (imported from users'
``models.py``, before django_convert's models load) can ask it without importing models.
"""

from __future__ import annotations

import logging

from django_convert.conf import SETTINGS_NAME, get_setting

logger = logging.getLogger("django_convert")

_said_disabled = False


def recording_enabled() -> bool:
    """``ENABLED``; when False, a WARNING says once (until it is True again) that
    conversions are not recorded, so a switch left off in production is found."""
    global _said_disabled
    if get_setting("ENABLED"):
        _said_disabled = False
        return True
    if not _said_disabled:
        _said_disabled = True
        logger.warning(
            "%s['ENABLED'] is False: conversions are NOT recorded (said once until it is "
            "True again).",
            SETTINGS_NAME,
        )
    return False
