"""Patient data protection: keyed pseudonyms, de-identification, PHI checks, log redaction, audit trail.

Layer 1: imports only the standard library, numpy, polars and pgx's layer-0 modules, and
opens no genomic file (pgx.io reads and writes VCFs; this package works on text lines).
The files it writes itself are the mapping and key files (0600, atomic) and the audit log.

Examples
--------
>>> from pgx import privacy
>>> privacy.pseudonym("SAMPLE_A", key=b"0123456789abcdef", domain="sample")
'S-...'
"""

from __future__ import annotations

from pgx.privacy._audit import GENESIS, AuditLog, AuditSummary, chain_head, file_sha256, verify_audit_log
from pgx.privacy._errors import AuditLogError, PrivacyError, PseudonymKeyError
from pgx.privacy._logging import GENOTYPE_RE, RedactingFilter, install_log_redaction, uninstall_log_redaction
from pgx.privacy._phi import PHI_KINDS, PhiFinding, PhiKind, phi_check, phi_check_text, read_identifiers
from pgx.privacy._pseudonym import (
    KEY_ENV,
    MIN_KEY_BYTES,
    TOKEN_CHARS,
    Domain,
    Pseudonymizer,
    generate_key_file,
    load_key,
    pseudonym,
    write_mapping,
)
from pgx.privacy._tables import (
    MAX_SHIFT_DAYS, cap_ages, collapse_ages, date_offset, shift_dates, suppress_small_counts,
)
from pgx.privacy._vcf_header import REDACTED, STRUCTURAL_KEYS, deidentify_vcf_lines, scrub_vcf_header

__all__ = [
    # pseudonyms
    "KEY_ENV", "MIN_KEY_BYTES", "TOKEN_CHARS", "Domain", "Pseudonymizer", "load_key", "generate_key_file",
    "pseudonym", "write_mapping",
    # VCF headers
    "STRUCTURAL_KEYS", "REDACTED", "scrub_vcf_header", "deidentify_vcf_lines",
    # tables
    "MAX_SHIFT_DAYS", "date_offset", "shift_dates", "collapse_ages", "cap_ages", "suppress_small_counts",
    # output checks
    "PhiKind", "PHI_KINDS", "PhiFinding", "phi_check", "phi_check_text", "read_identifiers",
    # logs
    "GENOTYPE_RE", "RedactingFilter", "install_log_redaction", "uninstall_log_redaction",
    # audit trail
    "GENESIS", "AuditLog", "AuditSummary", "verify_audit_log", "chain_head", "file_sha256",
    # errors
    "PrivacyError", "PseudonymKeyError", "AuditLogError",
]
