"""Visitor identity: resolvers, the cookie, login stitching and the PII guard."""
