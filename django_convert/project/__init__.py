"""The Convert project's configuration: fetched by the client, stored in the models.

Between storage and reports: :mod:`.sync` writes the local copy, :mod:`.names` and
:mod:`.checks` read it. Nothing on a visitor's request path calls in here.
"""
