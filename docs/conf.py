"""Sphinx configuration for the django-convert documentation site."""

from __future__ import annotations

import os
import sys

import django

sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

import django_convert  # noqa: E402

project = "django-convert"
author = "django-convert contributors"
copyright = "2026, django-convert contributors"
release = django_convert.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# No intersphinx: CI has no network to fetch inventories from.
templates_path: list[str] = []
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = "django-convert"
