"""Encryption at rest for the free-text and identifying columns, invisible to the services.

A column typed `EncryptedText`, `EncryptedJson` or `EncryptedBytes` is written as a Fernet token (AES-128-CBC with
an HMAC-SHA-256 tag, from the `cryptography` package) and read back as plain text, so someone
holding a copy of the database but not the key reads nothing of what people typed, and cannot
alter it unnoticed. The keys come from `SAFERHUB_DATA_KEY` (comma-separated: the first encrypts,
all of them read, which is how a key is rotated) and reach the column types through the engine's
dialect, set by `storage.database.Database`.

A value written before encryption was switched on is read as it is, and `rotate` encrypts it. A
value encrypted under a key no longer configured reads as `UNREADABLE` (never as an error that
would hide the rest of the record); `rotate` reports it by reference and leaves it untouched.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, operators
from sqlalchemy.types import TypeDecorator

TOKEN_PREFIX = "gAAAAA"
"""Every Fernet token starts so (version byte 0x80 and a timestamp); plain text written before
encryption was switched on does not."""
UNREADABLE = "[unreadable: encrypted under a key that is no longer configured]"
DEVELOPMENT_KEY = b"c2FmZXJodWItZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWM="
"""The demo's and the tests' key when SAFERHUB_DATA_KEY is unset: public, so it protects nothing."""


class BadKey(ValueError):
    """SAFERHUB_DATA_KEY holds something that is not a Fernet key."""


@dataclass(frozen=True)
class Keyring:
    """The data keys: the first encrypts, every one decrypts."""

    keys: tuple[bytes, ...]

    @classmethod
    def parse(cls, raw: str) -> Keyring:
        """Keys from a comma-separated list; BadKey naming the position of a bad one."""
        keys = tuple(part.strip().encode() for part in raw.split(",") if part.strip())
        if not keys:
            raise BadKey("no key given")
        for position, key in enumerate(keys, start=1):
            try:
                Fernet(key)
            except ValueError as error:
                raise BadKey(
                    f"key {position} is not a Fernet key (32 bytes, URL-safe base64)"
                ) from error
        return cls(keys)

    @property
    def development(self) -> bool:
        return self.keys == (DEVELOPMENT_KEY,)

    @cached_property
    def _fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(key) for key in self.keys])

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, stored: str) -> str:
        """The plain text of `stored`; plain text as it is; UNREADABLE under an unknown key."""
        if not stored.startswith(TOKEN_PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            return UNREADABLE

    def encrypt_bytes(self, data: bytes) -> str:
        return self._fernet.encrypt(data).decode()

    def decrypt_bytes(self, stored: str) -> bytes | None:
        """The bytes of `stored`; None under an unknown key."""
        try:
            return self._fernet.decrypt(stored.encode())
        except InvalidToken:
            return None

    def readable(self, stored: str) -> bool:
        return self.decrypt(stored) != UNREADABLE

    def rotate(self, stored: str) -> str:
        """`stored` under the first key (plain text encrypted); InvalidToken if unreadable."""
        if not stored.startswith(TOKEN_PREFIX):
            return self.encrypt(stored)
        return self._fernet.rotate(stored.encode()).decode()


DEVELOPMENT_KEYRING = Keyring((DEVELOPMENT_KEY,))


def generate_key() -> str:
    """A new random data key, as SAFERHUB_DATA_KEY takes it."""
    return Fernet.generate_key().decode()


def keyring_of(dialect: Dialect) -> Keyring:
    """The keyring `Database` attached to its engine's dialect (the development one if none)."""
    keyring = getattr(dialect, "saferhub_keyring", None)
    return keyring if isinstance(keyring, Keyring) else DEVELOPMENT_KEYRING


class Opaque(Text.Comparator[Any]):
    """SQL can only ask whether an encrypted value is there: each write is a fresh token, so
    `description == "x"` or `then_text != ""` would silently never (or always) match."""

    def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
        # Against another column (SQLAlchemy's own bookkeeping does that) or asking for NULL is
        # fine; against a value, which would be encrypted afresh, is the mistake.
        if all(isinstance(o, ClauseElement) for o in other) or (
            op in (operators.is_, operators.is_not) and other == (None,)
        ):
            return super().operate(op, *other, **kwargs)
        raise TypeError("an encrypted column cannot be compared in SQL; compare it in Python")

    def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
        if isinstance(other, ClauseElement):
            return super().reverse_operate(op, other, **kwargs)
        raise TypeError("an encrypted column cannot be compared in SQL; compare it in Python")


class EncryptedText(TypeDecorator[str]):
    """Text stored encrypted."""

    impl = Text
    cache_ok = True
    comparator_factory = Opaque

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring_of(dialect).encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring_of(dialect).decrypt(value)


class EncryptedJson(TypeDecorator[dict[str, Any]]):
    """A JSON object stored encrypted; an unreadable one reads as {"unreadable": UNREADABLE}."""

    impl = Text
    cache_ok = True
    comparator_factory = Opaque

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).encrypt(json.dumps(value, separators=(",", ":"), default=str))

    def process_result_value(self, value: str | None, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        text = keyring_of(dialect).decrypt(value)
        if text == UNREADABLE:
            return {"unreadable": UNREADABLE}
        loaded = json.loads(text)
        return loaded if isinstance(loaded, dict) else {}


class EncryptedBytes(TypeDecorator[bytes]):
    """Bytes (a photo) stored encrypted, as a Fernet token in a text column so that `rotate`
    re-encrypts them like any other value; unreadable ones read as empty bytes."""

    impl = Text
    cache_ok = True
    comparator_factory = Opaque

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring_of(dialect).encrypt_bytes(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return keyring_of(dialect).decrypt_bytes(value) or b""


@dataclass(frozen=True)
class EncryptedColumn:
    """Where an encrypted value lives, and how its record is named in a report."""

    table: str
    column: str
    reference: str


def encrypted_columns(tables: Sequence[Any]) -> list[EncryptedColumn]:
    """Every encrypted column of `tables` (SQLAlchemy Table objects), with the column that names
    each row for a person (its reference, else its id)."""
    found = []
    for table in tables:
        naming = "reference" if "reference" in table.c else "id"
        for column in table.c:
            if isinstance(column.type, EncryptedText | EncryptedJson | EncryptedBytes):
                found.append(EncryptedColumn(table.name, column.name, naming))
    return found
