"""Secrets a fresh install makes for itself, kept under var/ and readable by its owner only.

A council configures its own (EHC_SECRET_KEY, EHC_API_TOKEN, EHC_INTAKE_WEBHOOK_SECRET);
what it leaves unset on a loopback-only install is generated on first start, so no
secret in this repository can open a running service. Every process of one install
(`ehcp up`'s services, `ehcp demo`, `ehcp intake send`) reads the same file.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "secrets.json"


class SecretsFileError(ValueError):
    """The secrets file is unreadable, malformed or open to others: named, never shown."""


@dataclass(frozen=True)
class LocalSecrets:
    secret_key: str
    api_token: str
    # Standard Webhooks form: whsec_ + base64 of 32 random bytes.
    intake_webhook_secret: str

    @classmethod
    def generate(cls) -> LocalSecrets:
        return cls(
            secret_key=secrets.token_urlsafe(48),
            api_token=secrets.token_urlsafe(32),
            intake_webhook_secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        )


def secrets_path(var_dir: Path) -> Path:
    return var_dir / FILE_NAME


def load_or_create(var_dir: Path) -> LocalSecrets:
    """This install's generated secrets, made on the first call. Safe when several
    processes start at once: the file appears whole (written aside, then linked into
    place, which fails if another process got there first)."""
    path = secrets_path(var_dir)
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        _create(path, LocalSecrets.generate())
    return _read(path)


def _create(path: Path, fresh: LocalSecrets) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secrets-")  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(asdict(fresh), handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        # Another process may have made them first: theirs are the install's.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _read(path: Path) -> LocalSecrets:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretsFileError(
            f"{path} can be read by others (mode {mode:04o}): run `chmod 600 {path}` "
            "(or delete it to make new secrets; signed links already sent stop working)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LocalSecrets(**{name: str(data[name]) for name in LocalSecrets.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SecretsFileError(
            f"{path} is not a secrets file this version wrote ({type(error).__name__}): "
            "delete it to make new secrets"
        ) from None
