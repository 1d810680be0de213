"""A hash-chained, append-only JSON-lines audit trail of pgx runs."""

from __future__ import annotations

import datetime as _dt
import getpass
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from pgx.privacy._atomic import PathLike
from pgx.privacy._errors import AuditLogError

try:  # POSIX: serialise concurrent appenders
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows
    _fcntl = None  # type: ignore[assignment]

__all__ = ["GENESIS", "AuditLog", "AuditSummary", "verify_audit_log", "chain_head", "file_sha256"]

#: ``prev_hash`` of the first record
GENESIS = "0" * 64
_FIELDS = ("seq", "time", "user", "command", "inputs", "outputs", "versions", "samples", "prev_hash", "hash")


def _canonical(record: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes a record's hash is taken over (without ``hash``)."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _record_hash(record: Mapping[str, Any]) -> str:
    return hashlib.sha256(_canonical(record)).hexdigest()


def file_sha256(path: PathLike) -> str:
    """Return the hex SHA-256 of a file's bytes.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "empty")
    >>> open(path, "w").close()
    >>> file_sha256(path)[:16]
    'e3b0c44298fc1c14'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _last_line(handle: Any) -> bytes:
    """The last non-empty line of a binary file opened for reading, or b''."""
    handle.seek(0, os.SEEK_END)
    end = handle.tell()
    size = 4096
    while True:
        start = max(0, end - size)
        handle.seek(start)
        chunk = handle.read(end - start).rstrip(b"\n")
        if b"\n" in chunk or start == 0:
            return chunk.rsplit(b"\n", 1)[-1]
        size *= 2


@dataclass(frozen=True)
class AuditSummary:
    """The result of a successful :func:`verify_audit_log`.

    Attributes
    ----------
    records : int
        How many records the log holds.
    head : str
        The hash of the last record (:data:`GENESIS` for an empty log): the chain head.
    """

    records: int
    head: str


class AuditLog:
    """An append-only audit trail: one JSON object per line, each hash-chained to the one before.

    Each record holds ``seq`` (1-based), ``time`` (UTC, ISO 8601), ``user`` (the login
    name), ``command``, ``inputs`` and ``outputs`` (``sha256`` and ``bytes`` of each file;
    no file names, which can carry patient names), ``versions`` (pgx and reference data
    versions, from the caller), ``samples`` (pseudonymised sample tokens only),
    ``prev_hash`` and ``hash``. ``hash`` is the SHA-256 of the record's canonical JSON
    (sorted keys, no spaces, UTF-8) without the ``hash`` field; ``prev_hash`` is the
    previous record's ``hash`` (:data:`GENESIS` for the first). An append takes an
    exclusive ``flock`` on the log, reads the last record, and writes the new line with one
    ``write`` on an ``O_APPEND`` descriptor followed by ``fsync``. The log is created 0600.

    Parameters
    ----------
    path : path
        The log file; created on the first append.

    Examples
    --------
    >>> import os, tempfile
    >>> log = AuditLog(os.path.join(tempfile.mkdtemp(), "audit.jsonl"))
    >>> first = log.append("report", versions={"pgx": "0.1.0"}, samples=["S-ABCDEFGHIJKL"])
    >>> second = log.append("call")
    >>> second["prev_hash"] == first["hash"], second["seq"]
    (True, 2)
    >>> verify_audit_log(log.path).records
    2
    """

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r})"

    def append(
        self,
        command: str,
        *,
        inputs: Iterable[PathLike] = (),
        outputs: Iterable[PathLike] = (),
        versions: Optional[Mapping[str, str]] = None,
        samples: Sequence[str] = (),
        user: Optional[str] = None,
        time: Optional[_dt.datetime] = None,
    ) -> dict[str, Any]:
        """Append one record and return it.

        Parameters
        ----------
        command : str
            What ran, e.g. ``"report --format html,json"``; pass no raw identifiers or paths.
        inputs, outputs : iterable of path
            Files read and written; their SHA-256 and size are recorded, not their names.
        versions : mapping of str to str, optional
            E.g. ``{"pgx": pgx.__version__, "reference_data": "2026.11.0"}``.
        samples : sequence of str
            Pseudonymised sample tokens.
        user : str, optional
            Default: the login name (``getpass.getuser()``).
        time : datetime, optional
            Default: now, in UTC.

        Returns
        -------
        dict
            The record as written.

        Raises
        ------
        AuditLogError
            If the current last line is not a valid record (a broken log is not extended).
        """
        when = (time or _dt.datetime.now(_dt.timezone.utc)).astimezone(_dt.timezone.utc)
        record: dict[str, Any] = {
            "seq": 0,
            "time": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "user": user if user is not None else _login(),
            "command": command,
            "inputs": [_file_entry(p) for p in inputs],
            "outputs": [_file_entry(p) for p in outputs],
            "versions": dict(versions or {}),
            "samples": list(samples),
            "prev_hash": GENESIS,
        }
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if _fcntl is not None:
                _fcntl.flock(fd, _fcntl.LOCK_EX)
            with os.fdopen(os.dup(fd), "rb") as reader:
                last = _last_line(reader)
            if last:
                try:
                    previous = json.loads(last)
                    record["seq"] = int(previous["seq"]) + 1
                    record["prev_hash"] = str(previous["hash"])
                except (ValueError, KeyError, TypeError) as exc:
                    raise AuditLogError(
                        f"the last line is not an audit record ({exc}); run 'pgx audit verify'",
                        path=str(self.path),
                    ) from None
            else:
                record["seq"] = 1
            record["hash"] = _record_hash(record)
            os.write(fd, json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)  # releases the lock
        return record


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in a container
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def _file_entry(path: PathLike) -> dict[str, Any]:
    return {"sha256": file_sha256(path), "bytes": os.path.getsize(path)}


def verify_audit_log(path: PathLike, *, expected_head: Optional[str] = None) -> AuditSummary:
    """Check an audit log's hash chain; raise naming the first record that fails.

    Each line must parse as a record with every field; its ``hash`` must match its
    content (an edited record), its ``seq`` must be one more than the line before (a
    removed or reordered record), and its ``prev_hash`` must be the previous record's
    ``hash`` (an edit that recomputed ``hash``). Removing records at the end leaves a valid
    shorter chain: pass the head a report carries as ``expected_head`` to detect it.

    Parameters
    ----------
    path : path
        The audit log.
    expected_head : str, optional
        A chain head recorded earlier (:func:`chain_head`); it must be the hash of some
        record of the log.

    Returns
    -------
    AuditSummary

    Raises
    ------
    AuditLogError
        With ``line`` set to the 1-based line of the first failing record.
    FileNotFoundError
        If the log does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> log = AuditLog(os.path.join(tempfile.mkdtemp(), "audit.jsonl"))
    >>> for command in ("call", "report", "report"):
    ...     _ = log.append(command)
    >>> lines = log.path.read_text().splitlines()
    >>> _ = log.path.write_text("\\n".join([lines[0], lines[2], lines[1]]) + "\\n")
    >>> verify_audit_log(log.path)
    Traceback (most recent call last):
    ...
    pgx.privacy._errors.AuditLogError: ...audit.jsonl, line 2: record out of sequence: expected seq 2, found 3 (a record was removed or reordered)
    """
    name = str(path)
    previous_hash, previous_seq, seen = GENESIS, 0, set()
    with open(path, "rb") as handle:
        data = handle.read()
    if data and not data.endswith(b"\n"):
        raise AuditLogError("the last record is incomplete (no final newline): a torn write", path=name,
                            line=data.count(b"\n") + 1)
    lines = data.decode("utf-8", errors="replace").split("\n")[:-1] if data else []
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise AuditLogError(f"not a JSON record: {exc}", path=name, line=number) from None
        if not isinstance(record, dict) or set(_FIELDS) - set(record):
            missing = sorted(set(_FIELDS) - set(record)) if isinstance(record, dict) else list(_FIELDS)
            raise AuditLogError(f"record lacks fields {missing}", path=name, line=number)
        if _record_hash(record) != record["hash"]:
            raise AuditLogError("record was edited: its hash does not match its content", path=name, line=number)
        if record["seq"] != previous_seq + 1:
            raise AuditLogError(
                f"record out of sequence: expected seq {previous_seq + 1}, found {record['seq']} "
                "(a record was removed or reordered)", path=name, line=number,
            )
        if record["prev_hash"] != previous_hash:
            raise AuditLogError(
                "chain broken: prev_hash does not match the hash of the record before "
                "(a record was edited, removed or reordered)", path=name, line=number,
            )
        previous_hash, previous_seq = record["hash"], record["seq"]
        seen.add(previous_hash)
    if expected_head is not None and expected_head != GENESIS and expected_head not in seen:
        raise AuditLogError(
            f"the expected chain head {expected_head[:16]}... is not in the log: records were removed from its end",
            path=name, line=len(lines) + 1,
        )
    return AuditSummary(records=len(lines), head=previous_hash)


def chain_head(path: PathLike) -> str:
    """Return the hash of the log's last record, for reports to carry (:data:`GENESIS` if none).

    The head is read, not verified; :func:`verify_audit_log` checks the whole chain.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "audit.jsonl")
    >>> chain_head(path) == GENESIS
    True
    >>> record = AuditLog(path).append("report")
    >>> chain_head(path) == record["hash"]
    True
    >>> chain_head(path) == verify_audit_log(path).head
    True
    """
    if not os.path.exists(path):
        return GENESIS
    with open(path, "rb") as handle:
        last = _last_line(handle)
    if not last:
        return GENESIS
    try:
        return str(json.loads(last)["hash"])
    except (ValueError, KeyError, TypeError) as exc:
        raise AuditLogError(f"the last line is not an audit record ({exc})", path=str(path)) from None
