"""Helpers for testing a shop that uses django-convert, shipped with the package.

- :mod:`django_convert.testing.tracking_server`: a real HTTP server on 127.0.0.1 that
  stands in for Convert's tracking API and validates what it receives. It also serves a
  project configuration (:mod:`django_convert.testing.project_config`) at
  ``/api/v1/config/...``; point ``CONFIG_URL`` at ``server.config_url``.
- ``django_convert/static/django_convert/testing/convert-standin.js``: an offline stand-in
  for Convert's tracking script.

Importing this package imports no models.
"""
