"""Prefect tasks wrapping the package's operations (store, mail, documents).

Each task is idempotent: it re-derives what to do from the case database, so a
retry or a resumed run cannot repeat or skip work.
"""
