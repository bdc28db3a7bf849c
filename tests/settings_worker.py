"""Settings for worker subprocesses started by the delivery tests.

The database comes from DATABASE_URL (the test process's test database) and
DJANGO_CONVERT_JSON adds to DJANGO_CONVERT (e.g. the stand-in's TRACKING_URL).
"""

from __future__ import annotations

import json
import os

from tests.settings import *  # noqa: F403
from tests.settings import DJANGO_CONVERT

DJANGO_CONVERT = {**DJANGO_CONVERT, **json.loads(os.environ.get("DJANGO_CONVERT_JSON", "{}"))}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django_convert": {"handlers": ["stderr"], "level": "INFO"}},
}
