"""A logging filter that keeps identifiers and genotypes out of log records."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any, Callable, Optional

__all__ = ["GENOTYPE_RE", "RedactingFilter", "install_log_redaction", "uninstall_log_redaction"]

#: genotype-like text: VCF calls (``0/1``, ``1|0``, ``./.``), star alleles and diplotypes
#: (``*1/*2``, ``*4x2``, the ``*57:01`` of ``HLA-B*57:01``; gene names stay), rsID genotypes (``rs4244285 G/A``, ``rs123:AG``)
#: and allele pairs (``A/G``, ``CT|C``)
GENOTYPE_RE = re.compile(
    r"\brs\d+(?:\s*[:=]\s*|\s+)[ACGTN-]+(?:[/|][ACGTN-]+)?(?![\w/|])"
    r"|\*\d+[A-Z]?(?:[:.]\d+)*(?:x(?:\d+|N))?"
    r"(?:\s*[/|+]\s*\*\d+[A-Z]?(?:[:.]\d+)*(?:x(?:\d+|N))?)*"
    r"|(?<![\w/|.])[0-9.](?:[/|][0-9.])+(?![\w/|])"
    r"|(?<![\w/|])[ACGT]+[/|][ACGT]+(?![\w/|])"
)
_ID_MASK = "[id]"
_GT_MASK = "[genotype]"


class RedactingFilter(logging.Filter):
    """Rewrite log records so they carry no identifier and no genotype.

    The record's message is formatted, every given identifier (case-insensitive, not
    inside a longer letter/digit run) becomes ``[id]`` and every genotype-like text
    (:data:`GENOTYPE_RE`) becomes ``[genotype]``; the arguments are dropped. A traceback is
    formatted and redacted the same way. The filter never rejects a record.

    Parameters
    ----------
    identifiers : iterable of str
        Raw identifiers (sample names, patient ids, MRNs); more can be added with :meth:`add`.
    genotypes : bool
        Redact genotype-like text, default True.

    Examples
    --------
    >>> import logging
    >>> record = logging.LogRecord("pgx", logging.INFO, __file__, 1,
    ...                            "sample %s: CYP2C19 %s, GT %s", ("NA12878", "*1/*17", "0/1"), None)
    >>> _ = RedactingFilter(["NA12878"]).filter(record)
    >>> record.getMessage()
    'sample [id]: CYP2C19 [genotype], GT [genotype]'
    """

    def __init__(self, identifiers: Iterable[str] = (), *, genotypes: bool = True) -> None:
        super().__init__()
        self._identifiers: set[str] = set()
        self._pattern: Optional[re.Pattern[str]] = None
        self.genotypes = genotypes
        self.add(identifiers)

    def add(self, identifiers: Iterable[str]) -> None:
        """Redact these identifiers too."""
        self._identifiers |= {i.strip() for i in identifiers if i and i.strip()}
        if self._identifiers:
            alternatives = sorted((re.escape(i) for i in self._identifiers), key=len, reverse=True)
            self._pattern = re.compile(
                r"(?<![A-Za-z0-9])(?:" + "|".join(alternatives) + r")(?![A-Za-z0-9])", re.IGNORECASE
            )

    def redact(self, text: str) -> str:
        """Return ``text`` with identifiers and genotypes masked.

        Examples
        --------
        >>> RedactingFilter(["P123456"]).redact("patient P123456 rs4244285 G/A at chr10:94781859")
        'patient [id] [genotype] at chr10:94781859'
        """
        if self._pattern is not None:
            text = self._pattern.sub(_ID_MASK, text)
        if self.genotypes:
            text = GENOTYPE_RE.sub(_GT_MASK, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; always keep it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: keep only the template
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_installed: Optional[tuple[RedactingFilter, Callable[..., logging.LogRecord]]] = None


def install_log_redaction(identifiers: Iterable[str] = (), *, genotypes: bool = True) -> RedactingFilter:
    """Redact every log record made from now on, by every logger and handler.

    Wraps the log record factory, so records are redacted when they are created,
    before any handler (console, file, pytest's ``caplog``) sees them, however logging
    is configured. Calling it again adds the identifiers to the installed filter.

    Parameters
    ----------
    identifiers : iterable of str
        Raw identifiers to redact.
    genotypes : bool
        Redact genotype-like text, default True.

    Returns
    -------
    RedactingFilter
        The installed filter; :meth:`RedactingFilter.add` adds identifiers later.

    Examples
    --------
    >>> import logging
    >>> redaction = install_log_redaction(["SAMPLE_A"])
    >>> logging.getLogger("pgx.demo").makeRecord(
    ...     "pgx.demo", logging.INFO, "x.py", 1, "%s is *2/*2", ("SAMPLE_A",), None).getMessage()
    '[id] is [genotype]'
    >>> uninstall_log_redaction()
    """
    global _installed
    if _installed is not None:
        _installed[0].add(identifiers)
        _installed[0].genotypes = _installed[0].genotypes or genotypes
        return _installed[0]
    redactor = RedactingFilter(identifiers, genotypes=genotypes)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redactor.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = (redactor, previous)
    return redactor


def uninstall_log_redaction() -> None:
    """Undo :func:`install_log_redaction` (a no-op when it is not installed)."""
    global _installed
    if _installed is not None:
        logging.setLogRecordFactory(_installed[1])
        _installed = None
