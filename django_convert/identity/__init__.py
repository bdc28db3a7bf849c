"""Visitor identity: resolvers, the cookie and its key (proof), consent, login stitching and
the PII guard."""
