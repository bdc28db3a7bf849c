"""Forwarding Convert's data to analytics tools (GA4, Segment, Mixpanel) through the outbox.

Read in this order: ``config`` (``DJANGO_CONVERT["FORWARD"]``, read at call time) →
``record`` (rows written in the ingest transaction) → ``ga4`` / ``segment`` /
``mixpanel`` (each destination's payload, its limits and what its answer means, from the
vendor's documentation; no models) → ``send`` (one ``requests.Session`` per destination)
→ ``deliver`` (claim per destination, batch, send, record the outcome with the
conversions' lease and durable writes) → ``health`` and ``checks``.
"""
