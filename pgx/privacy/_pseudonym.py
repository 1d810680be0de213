"""Keyed pseudonyms: HMAC-SHA256, domain-separated, short readable tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import stat
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal, Optional, Union

from pgx.privacy._atomic import PathLike, write_private
from pgx.privacy._errors import PrivacyError, PseudonymKeyError

__all__ = [
    "KEY_ENV",
    "MIN_KEY_BYTES",
    "TOKEN_CHARS",
    "Domain",
    "Pseudonymizer",
    "load_key",
    "generate_key_file",
    "pseudonym",
    "write_mapping",
]

#: environment variable holding the pseudonym key
KEY_ENV = "PGX_PSEUDONYM_KEY"
#: shortest key accepted, in bytes (128 bits)
MIN_KEY_BYTES = 16
#: base32 characters per token (5 bits each: 60 bits)
TOKEN_CHARS = 12

Domain = Literal["patient", "sample", "specimen"]
_PREFIX: dict[str, str] = {"patient": "P-", "sample": "S-", "specimen": "SP-"}
_CONTEXT = b"pgx-pseudonym-v1"


def load_key(key_file: Optional[PathLike] = None, *, environ: Optional[Mapping[str, str]] = None) -> bytes:
    """Return the pseudonym key from a key file or the ``PGX_PSEUDONYM_KEY`` variable.

    A key is never taken from the command line, where ``ps`` and shell history show it.
    An explicit ``key_file`` wins over the environment.

    Parameters
    ----------
    key_file : path, optional
        A file holding the key (its text, surrounding whitespace removed). It must not be
        readable or writable by group or others (``chmod 600``), as ssh requires of keys.
    environ : mapping, optional
        The environment to read (default: ``os.environ``).

    Returns
    -------
    bytes
        The key, at least :data:`MIN_KEY_BYTES` (16) bytes long.

    Raises
    ------
    PseudonymKeyError
        If no key is configured, the key is shorter than 16 bytes, or the key file is
        open to group or others.
    FileNotFoundError
        If ``key_file`` does not exist.

    Examples
    --------
    >>> load_key(environ={"PGX_PSEUDONYM_KEY": "correct horse battery staple"})
    b'correct horse battery staple'
    >>> load_key(environ={"PGX_PSEUDONYM_KEY": "short"})
    Traceback (most recent call last):
    ...
    pgx.privacy._errors.PseudonymKeyError: pseudonym key from PGX_PSEUDONYM_KEY is 5 bytes; expected at least 16 ...
    """
    if key_file is not None:
        path = Path(key_file)
        mode = path.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PseudonymKeyError(
                f"key file {str(path)!r} has permissions {stat.filemode(mode)}; expected owner-only "
                f"(-rw-------): run 'chmod 600 {path}'"
            )
        key = path.read_bytes().strip()
        origin = f"key file {str(path)!r}"
    else:
        env = os.environ if environ is None else environ
        value = env.get(KEY_ENV)
        if not value:
            raise PseudonymKeyError(
                f"no pseudonym key configured; set the environment variable {KEY_ENV} or pass a key "
                "file (--key-file); make one with pgx.privacy.generate_key_file()"
            )
        key = value.strip().encode("utf-8")
        origin = KEY_ENV
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            f"pseudonym key from {origin} is {len(key)} bytes; expected at least {MIN_KEY_BYTES} "
            "(use pgx.privacy.generate_key_file())"
        )
    return key


def generate_key_file(path: PathLike) -> Path:
    """Write a new random key (256 bits, URL-safe text) to ``path`` with mode 0600.

    Parameters
    ----------
    path : path
        Where to write; an existing file is refused so no key is lost by accident.

    Returns
    -------
    pathlib.Path
        The key file.

    Raises
    ------
    FileExistsError
        If ``path`` exists.

    Examples
    --------
    >>> import tempfile, os, stat
    >>> folder = tempfile.mkdtemp()
    >>> path = generate_key_file(os.path.join(folder, "pgx.key"))
    >>> stat.filemode(path.stat().st_mode)
    '-rw-------'
    >>> len(load_key(path))
    43
    """
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target}: a key file exists already; refusing to overwrite it")
    return write_private(target, secrets.token_urlsafe(32) + "\n")


def _normalize(identifier: str) -> bytes:
    if not isinstance(identifier, str):
        raise TypeError(f"identifier must be str, found {type(identifier).__name__}")
    text = unicodedata.normalize("NFC", identifier.strip())
    if not text:
        raise PrivacyError("cannot pseudonymise an empty identifier")
    return text.encode("utf-8")


def _digest(key: bytes, context: bytes, domain: str, identifier: str) -> bytes:
    if domain not in _PREFIX:
        raise PrivacyError(f"unknown pseudonym domain {domain!r}; expected one of {sorted(_PREFIX)}")
    message = context + b"\x00" + domain.encode("ascii") + b"\x00" + _normalize(identifier)
    return hmac.new(key, message, hashlib.sha256).digest()


class Pseudonymizer:
    """Turn identifiers into keyed, domain-separated pseudonyms.

    A token is the domain prefix (``P-`` patient, ``S-`` sample, ``SP-`` specimen) and the
    first 12 base32 characters (60 bits) of HMAC-SHA256(key, ``"pgx-pseudonym-v1" NUL
    domain NUL identifier``). The identifier is NFC-normalised and stripped of surrounding
    whitespace. The same key and domain always give the same token; another key or
    another domain gives an unrelated one, so patient and sample tokens cannot be linked
    without the key. With ``n`` identifiers in one domain, the chance that any two share a
    token is at most ``n*(n-1)/2**61`` (below 5e-7 for a million); :meth:`mapping` and
    :func:`write_mapping` check for collisions anyway. The base32 alphabet (A-Z, 2-7) keeps
    tokens free of 0, 1, 8 and 9, so they never form the digit runs PHI checks look for.

    Parameters
    ----------
    key : bytes
        The secret key, see :func:`load_key`.

    Examples
    --------
    >>> p = Pseudonymizer(b"0123456789abcdef0123456789abcdef")
    >>> p.token("NA12878", "sample")
    'S-...'
    >>> p.token("NA12878", "sample") == p.token(" NA12878 ", "sample")
    True
    >>> p.token("NA12878", "sample")[2:] == p.token("NA12878", "patient")[2:]
    False
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, (bytes, bytearray)) or len(key) < MIN_KEY_BYTES:
            raise PseudonymKeyError(f"pseudonym key must be at least {MIN_KEY_BYTES} bytes")
        self._key = bytes(key)

    def __repr__(self) -> str:  # never show the key
        return "Pseudonymizer(key=<hidden>)"

    def token(self, identifier: str, domain: Domain = "sample") -> str:
        """Return the pseudonym of one identifier in one domain.

        Examples
        --------
        >>> Pseudonymizer(b"k" * 16).token("patient 7", "patient").startswith("P-")
        True
        """
        digest = _digest(self._key, _CONTEXT, domain, identifier)
        return _PREFIX[domain] + base64.b32encode(digest).decode("ascii")[:TOKEN_CHARS]

    def mapping(self, identifiers: Iterable[str], domain: Domain = "sample") -> dict[str, str]:
        """Return ``{identifier: token}`` for distinct identifiers, refusing a token collision.

        Raises
        ------
        PrivacyError
            If two different identifiers get the same token (see the class's bound).

        Examples
        --------
        >>> m = Pseudonymizer(b"k" * 16).mapping(["A", "B", "A"])
        >>> sorted(m)
        ['A', 'B']
        """
        result: dict[str, str] = {}
        seen: dict[str, str] = {}
        for identifier in identifiers:
            if identifier in result:
                continue
            token = self.token(identifier, domain)
            if token in seen and _normalize(seen[token]) != _normalize(identifier):
                raise PrivacyError(
                    f"pseudonym collision in domain {domain!r}: two identifiers map to {token}; "
                    "use another key"
                )
            seen[token] = identifier
            result[identifier] = token
        return result

    def digest(self, context: str, identifier: str, domain: Domain = "patient") -> bytes:
        """Return a keyed 32-byte digest for another purpose (``context``), e.g. date shifts.

        Different contexts give independent values, so a digest reveals nothing about a token.

        Examples
        --------
        >>> len(Pseudonymizer(b"k" * 16).digest("date-shift", "patient 7"))
        32
        """
        return _digest(self._key, f"pgx-{context}-v1".encode("utf-8"), domain, identifier)


def pseudonym(identifier: str, *, key: bytes, domain: Domain = "sample") -> str:
    """Return the keyed pseudonym of ``identifier`` (see :class:`Pseudonymizer`).

    Parameters
    ----------
    identifier : str
        A patient, sample or specimen identifier.
    key : bytes
        The secret key (:func:`load_key`).
    domain : {"sample", "patient", "specimen"}
        The kind of identifier; tokens of different domains cannot be linked.

    Returns
    -------
    str
        ``S-`` (sample), ``P-`` (patient) or ``SP-`` (specimen) and 12 base32 characters.

    Examples
    --------
    >>> key = b"0123456789abcdef"
    >>> token = pseudonym("SAMPLE_A", key=key)
    >>> token == pseudonym("SAMPLE_A", key=key), len(token)
    (True, 14)
    >>> token == pseudonym("SAMPLE_A", key=b"another key, 16+ bytes")
    False
    """
    return Pseudonymizer(key).token(identifier, domain)


def write_mapping(path: PathLike, mapping: Mapping[str, str], *, domain: Domain = "sample") -> Path:
    """Write an identifier-to-pseudonym table (TSV) with owner-only permissions, atomically.

    Write one only when the user asks for it: it re-identifies every pseudonym. Columns:
    ``identifier``, ``domain``, ``token``; rows sorted by token so the order reveals
    nothing about the input.

    Parameters
    ----------
    path : path
        The mapping file; replaced atomically if it exists, always left mode 0600.
    mapping : mapping of str to str
        ``{identifier: token}``, e.g. from :meth:`Pseudonymizer.mapping`.
    domain : {"sample", "patient", "specimen"}
        The domain of the tokens.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    PrivacyError
        If an identifier contains a tab or newline, or two identifiers share a token.

    Examples
    --------
    >>> import tempfile, os, stat
    >>> path = os.path.join(tempfile.mkdtemp(), "mapping.tsv")
    >>> m = Pseudonymizer(b"k" * 16).mapping(["SAMPLE_A"])
    >>> stat.filemode(write_mapping(path, m).stat().st_mode)
    '-rw-------'
    >>> Path(path).read_text().splitlines()[0]
    'identifier\\tdomain\\ttoken'
    """
    tokens = list(mapping.values())
    if len(set(tokens)) != len(tokens):
        raise PrivacyError("two identifiers share a pseudonym; refusing to write an ambiguous mapping")
    lines = ["identifier\tdomain\ttoken"]
    for identifier, token in sorted(mapping.items(), key=lambda item: item[1]):
        if any(c in identifier for c in "\t\r\n"):
            raise PrivacyError("an identifier contains a tab or newline; cannot write it to a TSV mapping")
        lines.append(f"{identifier}\t{domain}\t{token}")
    return write_private(path, "\n".join(lines) + "\n")


def _as_key(key: Union[bytes, Pseudonymizer]) -> Pseudonymizer:
    return key if isinstance(key, Pseudonymizer) else Pseudonymizer(key)
