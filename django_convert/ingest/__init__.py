"""The ingest API: the DRF endpoint the browser listener posts Convert's data to.

This package is the only place in django_convert that imports ``rest_framework``, and it
never sends anything to Convert: it validates, stores, and announces.
"""
