"""pytest fixtures for shops using django-convert; pytest loads this module by itself
(the ``pytest11`` entry point) whenever django-convert is installed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from django_convert.testing.capture import ConversionCapture


@pytest.fixture
def convert_capture() -> Iterator[ConversionCapture]:
    """A :class:`~django_convert.testing.capture.ConversionCapture` for one test:
    ``convert_capture.deliver()`` returns what reached the stand-in for Convert."""
    from django_convert.testing.capture import capture_conversions

    with capture_conversions() as capture:
        yield capture
