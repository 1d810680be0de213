"""Reading genomic files: the only part of pgx that opens them.

``read_vcf`` is eager, ``iter_vcf`` streams chunks; both return :class:`pgx.CallSet`.
``validate`` lists every problem of a VCF file against the specification.
"""

from pgx.io._alignments import (AlignmentInfo, aligned_read_length, alignment_info, count_alleles, read_depth,
                                 write_alignments)
from pgx.io._checks import require_genotypes, variant_only_reason
from pgx.io._deidentify import deidentify_vcf
from pgx.io._index import existing_index, index_vcf
from pgx.io._probe import infer_file_genome_build, require_file_genotypes
from pgx.io._header import FieldDef, VcfHeader, detect_genome_build, infer_genome_build, parse_header
from pgx.io._validate import validate
from pgx.io._vcf import iter_vcf, read_header, read_vcf

__all__ = ["read_vcf", "iter_vcf", "read_header", "deidentify_vcf", "VcfHeader", "FieldDef", "parse_header", "detect_genome_build",
           "infer_genome_build", "index_vcf", "existing_index", "require_genotypes", "variant_only_reason",
           "require_file_genotypes", "infer_file_genome_build", "AlignmentInfo", "alignment_info", "read_depth",
           "count_alleles", "aligned_read_length", "write_alignments", "validate"]
