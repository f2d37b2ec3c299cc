"""Prefect flows: one run per request (`ehc-request`), the sweep, reports.

Thin by design: a flow loads the case, asks the pure planner in ehcp.domain
what is due, does it through idempotent tasks, and suspends until a signal.
"""
