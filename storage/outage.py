"""Telling a database outage apart from every other error, so only an outage is waited out.

An outage is the server being unreachable or going away: a refused or reset connection, a
connection that died under a statement, a server shutting down or still starting, a connect or
pool timeout. Everything else (a bad statement, a constraint, a value the column refuses) is a
fault in the request or the code, and retrying it would only repeat it.
"""

from __future__ import annotations

import errno
import socket

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE class 08 (connection exception), and the server shutting down, crashed, still
# starting up, or out of connection slots.
_CONNECTION_CLASS = "08"
_SERVER_GONE = frozenset({"57P01", "57P02", "57P03", "53300"})
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.EHOSTDOWN,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.EPIPE,
        errno.ETIMEDOUT,
    }
)


def unreachable(error: BaseException) -> bool:
    """True when `error` means the database could not be reached or dropped the connection."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        return _sqlstate_gone(getattr(error.orig, "sqlstate", None))
    if _sqlstate_gone(getattr(error, "sqlstate", None)):
        return True  # a driver error raised while connecting, before SQLAlchemy wraps anything
    if isinstance(error, (ConnectionError, TimeoutError, socket.gaierror)):
        return True
    if isinstance(error, OSError):
        # asyncio reports a failed connect to every address of a host as one OSError without
        # an errno ("Multiple exceptions: ..."); file errors always carry one.
        return error.errno is None or error.errno in _NETWORK_ERRNOS
    return False


def _sqlstate_gone(sqlstate: object) -> bool:
    return isinstance(sqlstate, str) and (
        sqlstate.startswith(_CONNECTION_CLASS) or sqlstate in _SERVER_GONE
    )
