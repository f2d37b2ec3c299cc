"""Unexpected failures, told apart by an id: the whole error goes to the project's own log
(var/log/ehcp.log, on this machine), and whoever asked (a web caller, a CLI user,
Prefect's UI) sees only its kind and the id.

A database error can quote the row it failed on (engines hide statement parameters, but
a driver's own message may still name a value), and a validation error carries its
input, so no entry point shows an unexpected error's text."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from ehcp.settings import get_settings

log = logging.getLogger("ehcp.failures")


def record_failure(what: str, subject: str = "") -> str:
    """Log the exception being handled under a new id and return the id. `what` and
    `subject` are the code's own words (an action, a case reference), never input."""
    error_id = uuid.uuid4().hex[:12]
    target = f" for {subject}" if subject else ""
    project_log().error("%s failed%s (error id %s)", what, target, error_id, exc_info=True)
    return error_id


def project_log() -> logging.Logger:
    """The logger writing to this install's var/log/ehcp.log."""
    path = get_settings().var_dir / "log" / "ehcp.log"
    return log_to_file(log, path, "%(asctime)s %(levelname)s %(name)s %(message)s")


def log_to_file(logger: logging.Logger, path: Path, fmt: str) -> logging.Logger:
    """`logger` writing to one file and nowhere else (never into Prefect's handlers);
    re-pointed when the settings name another var directory, as each test's do."""
    handlers = [handler for handler in logger.handlers if isinstance(handler, logging.FileHandler)]
    if [handler.baseFilename for handler in handlers] != [str(path.resolve())]:
        for old in handlers:
            logger.removeHandler(old)
            old.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter(fmt))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger
