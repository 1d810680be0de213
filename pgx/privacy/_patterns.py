"""Regular expressions shared by header scrubbing, PHI checks and log redaction."""

from __future__ import annotations

import re

_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"

# a date more precise than the year; candidates are checked for a valid month and day
DATE_RE = re.compile(
    r"(?<![\w.])(?P<iso>(?P<y1>\d{4})[-/](?P<m1>\d{1,2})[-/](?P<d1>\d{1,2}))(?![\w])"
    r"|(?<![\w./])(?P<dmy>(?P<a2>\d{1,2})[/.](?P<b2>\d{1,2})[/.](?P<y2>\d{4}|\d{2}))(?![\w/]|\.\d)"
    rf"|\b(?P<named>\d{{1,2}}\s+{_MONTHS},?\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
    re.IGNORECASE,
)
# ##fileDate=20240131 style compact dates, only where a label says it is a date
LABELLED_COMPACT_DATE_RE = re.compile(
    r"(?i)(?:date|dob|born|birth)[\w ]{0,12}?[=:\"' ]+(?P<value>(?:19|20)\d{6})(?!\d)"
)
# absolute POSIX paths with at least two components, Windows drive paths, home paths, file URLs
PATH_RE = re.compile(
    r"(?<![\w.:/<])/[\w.+~-]+(?:/[\w.+~-]+)+/?"
    r"|\b[A-Za-z]:\\[^\s\"'<>,]*"
    r"|~/[^\s\"'<>,]*"
    r"|\bfile:/+[^\s\"'<>,]*"
)
URL_RE = re.compile(r"\b(?:https?|s3|gs|ftp)://[^\s\"'<>,]+", re.IGNORECASE)
# a file name with a data-file extension (it can carry a patient's name or number)
FILENAME_RE = re.compile(
    r"[\w.+~-]+\.(?:bam|cram|sam|vcf|bcf|fa|fasta|fna|fai|gz|bgz|bed|gvcf|txt|csv|tsv|json|xml)\b",
    re.IGNORECASE,
)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")


def valid_date(match: re.Match[str]) -> bool:
    """Whether a :data:`DATE_RE` match has a plausible month and day."""
    if match.group("iso"):
        month, day = int(match.group("m1")), int(match.group("d1"))
        return 1 <= month <= 12 and 1 <= day <= 31
    if match.group("dmy"):
        a, b = int(match.group("a2")), int(match.group("b2"))
        # DD/MM or MM/DD: one of them a month, the other a day
        return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)
    return True


def date_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the dates more precise than the year in ``text``."""
    spans = [m.span() for m in DATE_RE.finditer(text) if valid_date(m)]
    spans += [m.span("value") for m in LABELLED_COMPACT_DATE_RE.finditer(text)]
    return spans
