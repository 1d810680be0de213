"""``read_vcf`` and ``iter_vcf``: VCF/BCF files into :class:`pgx.CallSet` objects."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import polars as pl

from pgx._ext import ERRORS, STATE_SIZE, STATUS, vcf_kernels
from pgx._typing import PathLike
from pgx._utils import Prefaulter, small_pages
from pgx.callset import MAX_PLOIDY, NON_ALLELE, CallSet
from pgx.exceptions import (
    DuplicateRecordWarning,
    PgxError,
    RegionError,
    UndefinedAlleleWarning,
    UnsortedInputWarning,
    VcfFormatError,
)
from pgx.io._header import VcfHeader, infer_genome_build, parse_header
from pgx.io._index import existing_index
from pgx.io._sites import build_from_ref_bases, ref_base_counts
from pgx.io._source import LineSource, open_bcf, open_source, sniff, text_size
from pgx.io._validate import first_error
from pgx.reference import normalize_contig

__all__ = ["read_vcf", "iter_vcf", "read_header"]

(_N_VAR, _LINE, _SITE_LEN, _OFFSET, _ERR_CODE, _ERR_COL, _ERR_KEY, _ERR_START, _ERR_STOP, _LINE_START,
 _N_UNDEF) = range(11)
#: the kernel's code for a GT allele index past the record's ALT alleles (read as -1)
_UNDEFINED = -3
_COLUMN_NAMES = ("CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT")
_CALLDATA = ("DP", "GQ", "AD", "PS")
_BUFFER = 8 << 20
#: site text handed to the worker thread in pieces of at least this many bytes
_SITE_PIECE = 8 << 20
#: parsed headers (and their sample index) of files read by region, keyed by path, size,
#: modification time and inode: a partitioned job reads one file's regions many times
_REGION_HEADERS: dict[tuple, tuple[VcfHeader, dict[str, int]]] = {}


def _file_key(path: str) -> tuple:
    st = os.stat(path)
    return (path, st.st_size, st.st_mtime_ns, st.st_ino)
_SITE_SCHEMA = {
    "chrom": pl.String, "pos": pl.String, "id": pl.String, "ref": pl.String,
    "alt": pl.String, "qual": pl.String, "filter": pl.String, "info": pl.String,
}
_REGION = re.compile(r"^(?P<contig>[^:]+)(?::(?P<start>[\d,]+)(?:-(?P<stop>[\d,]+))?)?$")


def _parse_region(region: str) -> tuple[str, int | None, int | None]:
    match = _REGION.match(region.strip())
    if not match:
        raise RegionError(
            f"region {region!r} is not of the form CONTIG, CONTIG:START or CONTIG:START-STOP "
            "(1-based, inclusive)"
        )
    start = match["start"] and int(match["start"].replace(",", ""))
    stop = match["stop"] and int(match["stop"].replace(",", ""))
    if start is not None and start < 1 or (start and stop and stop < start):
        raise RegionError(f"region {region!r}: START must be >= 1 and STOP >= START (1-based, inclusive)")
    return match["contig"], start or None, stop or None


def _resolve_contig(name: str, available: Sequence[str], *, path: str) -> str:
    """Find ``name`` among a file's contigs, accepting ``chr1`` for ``1`` and back."""
    if name in available:
        return name
    wanted = normalize_contig(name)
    for contig in available:
        if normalize_contig(contig) == wanted:
            return contig
    raise RegionError(
        f"{path}: contig {name!r} is not in the file; it has {', '.join(list(available)[:30])}"
    )


class _Arrays:
    """Output arrays for one batch of variants, grown in place when reading eagerly."""

    def __init__(self, capacity: int, n_out: int, ploidy: int, want: dict[str, bool], ad_width: int,
                 gt_dtype: type = np.int8) -> None:
        self.gt = np.empty((capacity, n_out, ploidy), dtype=gt_dtype)
        self.phased = np.empty((capacity, n_out), dtype=np.uint8)
        self.dp = np.empty((capacity, n_out) if want["DP"] else (0, 0), dtype=np.int32)
        self.gq = np.empty((capacity, n_out) if want["GQ"] else (0, 0), dtype=np.int32)
        self.ps = np.empty((capacity, n_out) if want["PS"] else (0, 0), dtype=np.int32)
        self.ad = np.empty((capacity, n_out, ad_width) if want["AD"] else (0, 0, 0), dtype=np.int32)
        self.pos = np.empty(capacity, dtype=np.int64)
        self.end = np.empty(capacity, dtype=np.int64)
        self.lines = np.empty(capacity, dtype=np.int64)
        self.sites = np.empty(max(4096, capacity * 48), dtype=np.uint8)
        small_pages([self.gt, self.phased, self.dp, self.gq, self.ps, self.ad, self.pos, self.end,
                     self.lines, self.sites])

    @property
    def capacity(self) -> int:
        return int(self.pos.shape[0])

    def resize(self, rows: int) -> None:
        # ndarray.resize reallocates in place (no second copy alive at once)
        for name in ("gt", "phased", "dp", "gq", "ps", "ad"):
            array = getattr(self, name)
            if array.shape[0] or name in ("gt", "phased"):
                array.resize((rows,) + array.shape[1:], refcheck=False)
        for name in ("pos", "end", "lines"):
            getattr(self, name).resize(rows, refcheck=False)

    def reshape_genotypes(self, rows: int, ploidy: int, dtype: type) -> None:
        """Copy the first ``rows`` rows of genotypes into a wider array (more ploidy
        slots, the new ones ``-2``, or int16 allele indexes); the rest is left to parse."""
        old = self.gt
        gt = np.empty((old.shape[0], old.shape[1], ploidy), dtype=dtype)
        small_pages([gt])
        gt[:rows, :, old.shape[2]:] = NON_ALLELE
        gt[:rows, :, : old.shape[2]] = old[:rows]
        if old.shape[2] == 1 and ploidy > 1:
            # a lone '.' read in a haploid array is './.' once the array is wider (as the kernel reads it)
            gt[:rows, :, 1][old[:rows, :, 0] == -1] = -1
        self.gt = gt


class _Reader:
    """Drive the kernel over one file (or one region of it)."""

    def __init__(
        self,
        path: PathLike,
        *,
        region: str | None,
        samples: Sequence[str | int] | None,
        fields: Sequence[str] | None,
        genome_build: str | None,
        ploidy: int,
        ad_width: int,
        pure_python: bool | None,
        index: PathLike | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.index_path = None if index is None else os.fspath(index)
        if self.index_path is not None and region is None:
            raise ValueError("index= is used only with region=")
        self.kernel = vcf_kernels(pure_python=pure_python)
        if not isinstance(ploidy, int) or isinstance(ploidy, bool) or not 1 <= ploidy <= MAX_PLOIDY:
            raise ValueError(f"ploidy must be a whole number from 1 to {MAX_PLOIDY}, found {ploidy!r}")
        self.ploidy = ploidy
        # genotypes widen (ploidy slots, int16 indexes) when a record needs it, and stay so
        self.gt_dtype: type = np.int8
        self.ad_width = ad_width
        self.buf = np.empty(_BUFFER, dtype=np.uint8)
        self.filled = 0
        self.offset = 0
        self.eof = False
        self.state = np.zeros(STATE_SIZE, dtype=np.int64)
        self._last: tuple[str, int] | None = None
        self._seen_chroms: set[str] = set()
        self._last_key: tuple | None = None
        self._site_pool: ThreadPoolExecutor | None = None
        self._site_parts: list = []
        #: site-text buffers handed to the worker, with the parse reading each
        self._site_buffers: list = []
        self._sites_handed = 0
        self._rows_handed = 0
        self._index: dict[str, int] | None = None
        kind = sniff(self.path)
        self.kind = kind
        region_spec = _parse_region(region) if region is not None else None
        # the span read, kept on the CallSet: outside it nothing was looked at
        self.regions = None if region_spec is None else (
            (region_spec[0], region_spec[1] or 1, region_spec[2] or 2**62),)
        if kind == "bcf" and self.index_path is not None:
            raise RegionError(f"{self.path}: index= applies to bgzip-compressed VCF; a BCF is read by region "
                              "through the .csi index beside it")
        if kind == "bcf":
            header_text, self.source = open_bcf(self.path, None)
            self.source.close()
            self.header = parse_header(header_text, path=self.path)
            spec = None
            if region_spec is not None:
                contig = _resolve_contig(region_spec[0], list(self.header.contigs), path=self.path)
                spec = (contig, region_spec[1], region_spec[2])
            _, self.source = open_bcf(self.path, spec)
        elif region_spec is not None and _file_key(self.path) in _REGION_HEADERS:
            self.header, self._index = _REGION_HEADERS[_file_key(self.path)]
            self.source = self._region_source(kind, region_spec)
        else:
            self.source = open_source(self.path, kind, buffer_size=_BUFFER)
            try:
                self.header = self._read_header()
            except BaseException:
                self.source.close()
                raise
            if region_spec is not None:
                self.source.close()
                if len(_REGION_HEADERS) >= 4:
                    _REGION_HEADERS.clear()
                self._index = {name: i for i, name in enumerate(self.header.samples)}
                _REGION_HEADERS[_file_key(self.path)] = (self.header, self._index)
                self.source = self._region_source(kind, region_spec)
                self.filled = self.offset = 0
                self.eof = False
        try:
            self.state[_LINE] = self.header.n_lines
            self.genome_build, self.genome_build_source = infer_genome_build(
                self.header, path=self.path, requested=genome_build)
            self._ref_counts: dict[str, tuple[int, int]] | None = None
            self.sample_map, self.sample_ids = self._sample_map(samples)
            self.want, self.info_fields = self._fields(fields)
        except BaseException:
            self.source.close()
            raise

    # -- set-up -------------------------------------------------------------------------
    def _read_header(self) -> VcfHeader:
        start = 0
        while True:
            self._fill()
            # the header so far is buf[offset:filled] (offset 0 unless the source swaps buffers)
            view = self.buf[self.offset : self.filled].tobytes()
            idx = 0 if view.startswith(b"#CHROM") else view.find(b"\n#CHROM", start)
            if idx >= 0:
                nl = view.find(b"\n", idx + 1)
            else:
                nl = -1
            if idx >= 0 and (nl >= 0 or self.eof):
                stop = nl if nl >= 0 else len(view)
                header = parse_header(view[:stop].decode("utf-8", "replace"), path=self.path)
                self.offset += min(stop + 1, len(view))
                return header
            if self.eof:
                return parse_header(view.decode("utf-8", "replace"), path=self.path)
            start = idx if idx >= 0 else max(0, len(view) - 8)

    def _region_source(self, kind: str, region: tuple[str, int | None, int | None]) -> LineSource:
        import pysam

        if kind == "vcf":
            raise RegionError(
                f"{self.path}: a region query needs a bgzip-compressed file with a tabix (.tbi) or "
                "CSI (.csi) index; this file is plain text (compress it with `bgzip`, then index "
                "it with `tabix -p vcf`)"
            )
        if self.index_path is not None and not os.path.isfile(self.index_path):
            raise RegionError(f"{self.path}: the index {self.index_path} does not exist")
        if self.index_path is None and existing_index(self.path) is None:
            raise RegionError(
                f"{self.path}: a region query needs a tabix index ({self.path}.tbi) or a CSI index "
                f"({self.path}.csi) and neither exists; create one with `tabix -p vcf` (the file "
                "must be bgzip-compressed and sorted; `bcftools sort` sorts an unsorted file)"
            )
        if kind != "bgzf":
            raise RegionError(f"{self.path}: a region query needs BGZF (bgzip) compression, not plain gzip")
        try:
            tabix = pysam.TabixFile(self.path, index=self.index_path)
        except (OSError, ValueError) as exc:
            raise RegionError(f"{self.path}: the index cannot be opened: {exc}") from None
        contig = _resolve_contig(region[0], list(tabix.contigs), path=self.path)
        start = None if region[1] is None else region[1] - 1
        try:
            lines = tabix.fetch(contig, start, region[2])
        except ValueError as exc:
            tabix.close()
            raise RegionError(f"{self.path}: region query failed: {exc}") from None
        return LineSource(iter(lines), tabix.close)

    def _sample_map(self, samples: Sequence[str | int] | None) -> tuple[np.ndarray, tuple[str, ...]]:
        names = self.header.samples
        if samples is None:
            return np.arange(len(names), dtype=np.int32), names
        if isinstance(samples, (str, int)):
            samples = [samples]
        mapping = np.full(len(names), -1, dtype=np.int32)
        index = self._index if self._index is not None else {name: i for i, name in enumerate(names)}
        samples = list(samples)
        try:  # names only, each once: no per-sample checks (the loop below explains any error)
            columns = np.fromiter((index[s] for s in samples), dtype=np.int64, count=len(samples))
        except (KeyError, TypeError):
            columns = None
        if columns is not None and np.unique(columns).size == columns.size:
            mapping[columns] = np.arange(columns.size, dtype=np.int32)
            return mapping, tuple(names[c] for c in columns)
        chosen: list[str] = []
        for out, sample in enumerate(samples):
            if isinstance(sample, (int, np.integer)) and not isinstance(sample, bool):
                if not 0 <= sample < len(names):
                    raise ValueError(
                        f"samples[{out}] = {sample} is out of range; the file has {len(names)} samples"
                    )
                column = int(sample)
            elif isinstance(sample, str) and sample in index:
                column = index[sample]
            else:
                raise ValueError(
                    f"samples[{out}] = {sample!r} is not a sample of {self.path} ({len(names)} samples); "
                    "give sample names as in the #CHROM line or 0-based indexes"
                )
            if mapping[column] >= 0:
                raise ValueError(f"samples[{out}] selects sample column {column} a second time")
            mapping[column] = out
            chosen.append(names[column])
        return mapping, tuple(chosen)

    def _fields(self, fields: Sequence[str] | None) -> tuple[dict[str, bool], list[str]]:
        declared_fmt = self.header.format
        want = {key: False for key in _CALLDATA}
        info: list[str] = []
        if fields is None:
            for key in ("DP", "GQ", "PS"):
                want[key] = key in declared_fmt
            return want, info
        if isinstance(fields, str):
            fields = [fields]
        for spec in fields:
            prefix, _, key = spec.rpartition("/")
            prefix = prefix.upper()
            if prefix in ("", "FORMAT", "CALLDATA") and key in _CALLDATA and (prefix or key in declared_fmt or key not in self.header.info):
                want[key] = True
            elif prefix in ("", "INFO", "VARIANTS") and key in self.header.info:
                info.append(key)
            elif key == "GT":
                continue
            elif prefix in ("FORMAT", "CALLDATA"):
                raise ValueError(
                    f"fields: FORMAT/{key} cannot be read; pgx reads the calldata GT, DP, GQ, AD and PS"
                )
            else:
                raise ValueError(
                    f"fields: {spec!r} is neither FORMAT DP/GQ/AD/PS nor an INFO field declared in the "
                    f"header of {self.path}; declared INFO fields: {sorted(self.header.info)}"
                )
        return want, info

    # -- reading ------------------------------------------------------------------------
    def _fill(self) -> None:
        """Make more text available after ``buf[offset:filled]`` (set ``eof`` at the end)."""
        try:
            self._fill_from_source()
        except VcfFormatError as exc:
            raise VcfFormatError(
                f"{exc.reason} (after line {int(self.state[_LINE])})", path=self.path,
                line=int(self.state[_LINE]) + 1,
            ) from None

    def _fill_from_source(self) -> None:
        swap = getattr(self.source, "swap", None)
        if swap is not None:
            # the source inflates into its own buffers: take the next one, tail in front
            self.buf, self.offset, self.filled, self.eof = swap(self.buf, self.offset, self.filled)
            return
        tail = self.filled - self.offset
        if self.offset:
            if tail:
                self.buf[:tail] = self.buf[self.offset : self.filled].copy()
            self.offset = 0
            self.filled = tail
        if self.filled == self.buf.shape[0]:
            self.buf = np.concatenate([self.buf, np.empty_like(self.buf)])
        view = memoryview(self.buf)
        target = self.filled + (self.buf.shape[0] - self.filled) // 2 + 1
        while self.filled < target:
            n = self.source.readinto(view[self.filled :])
            if not n:
                self.eof = True
                break
            self.filled += n

    def _run(self, arrays: _Arrays, limit: int, *, grow: bool, prefaulter: Prefaulter | None = None) -> bool:
        """Parse into ``arrays`` until ``limit`` rows or the end; return True at the end."""
        kernel = self.kernel.parse_records
        while True:
            status = kernel(
                self.buf, self.offset, self.filled, self.eof, self.state, self.sample_map,
                self.header.has_format, arrays.gt, arrays.phased, arrays.dp, arrays.gq, arrays.ps, arrays.ad,
                arrays.pos, arrays.end, arrays.lines, arrays.sites, limit,
                8 if self.info_fields else 7,
            )
            self.offset = int(self.state[_OFFSET])
            if status == STATUS["error"]:
                if not self._widen(arrays, prefaulter):
                    raise self._error()
                prefaulter = None
                continue
            if status == STATUS["sites_full"]:
                arrays.sites.resize(arrays.sites.shape[0] * 2, refcheck=False)
                continue
            if status == STATUS["full"]:
                if grow and self.state[_N_VAR] >= arrays.capacity:
                    if prefaulter is not None:
                        prefaulter.stop()
                    arrays.resize(max(1024, int(arrays.capacity * 1.5)))
                    continue
                return False
            if self.eof and self.offset >= self.filled:
                return True
            self._hand_off_sites(arrays)
            self._fill()

    def _widen(self, arrays: _Arrays, prefaulter: Prefaulter | None) -> bool:
        """After a call with more alleles than the genotype array has slots, or an allele
        index past int8, widen the array so the line can be parsed again; False when the
        error is another one (or past what pgx reads: :data:`~pgx.callset.MAX_PLOIDY`
        alleles, indexes up to 32767)."""
        code = ERRORS[int(self.state[_ERR_CODE])]
        ploidy, dtype = self.ploidy, self.gt_dtype
        if code == "ploidy":
            token = bytes(self.buf[int(self.state[_ERR_START]) : int(self.state[_ERR_STOP])])
            ploidy = max(self.ploidy + 1, len(re.split(rb"[/|]", token.lstrip(b"/|"))))
            if ploidy > MAX_PLOIDY:
                return False
        elif code == "allele_limit" and dtype == np.int8:
            dtype = np.int16
        else:
            return False
        if prefaulter is not None:
            prefaulter.stop()  # it may be writing to the array about to be replaced
        arrays.reshape_genotypes(int(self.state[_N_VAR]), ploidy, dtype)
        self.ploidy, self.gt_dtype = ploidy, dtype
        self.state[_LINE] -= 1  # the failed line is parsed again
        return True

    def _initial_capacity(self) -> int:
        """Estimate the record count from the text size and the first buffer's line length.

        The arrays are made with np.empty, so overestimating costs address space, not
        memory; the final shrink gives the pages back.
        """
        if self.filled - self.offset <= 0:
            self._fill()
        sample = self.buf[self.offset : self.filled]
        lines = int(np.count_nonzero(sample == 10)) or 1
        if isinstance(self.source, LineSource) or self.kind == "bcf":
            return max(1024, 2 * lines)
        if self.eof:
            return lines + 1
        per_line = max(1, sample.shape[0] // lines)
        return int(min(max(1024, text_size(self.path, self.kind) // per_line), 200_000_000))

    def read_all(self) -> CallSet:
        expected = self._initial_capacity()
        # np.empty leaves untouched pages unmapped, so the 1/8 margin costs address space only
        arrays = self._new_arrays(expected + expected // 8)
        prefaulter = Prefaulter([arrays.gt, arrays.phased, arrays.dp, arrays.gq, arrays.ad], expected)
        try:
            self._run(arrays, np.iinfo(np.int64).max, grow=True, prefaulter=prefaulter)
        finally:
            prefaulter.stop()
        return self._finish(arrays)

    def iter_chunks(self, chunk_size: int) -> Iterator[CallSet]:
        while True:
            arrays = self._new_arrays(chunk_size)
            done = self._run(arrays, chunk_size, grow=False)
            if self.state[_N_VAR]:
                yield self._finish(arrays)
            if done:
                return

    def _new_arrays(self, capacity: int) -> _Arrays:
        self.state[_N_VAR] = 0
        self.state[_SITE_LEN] = 0
        self.state[_N_UNDEF] = 0
        self._sites_handed = self._rows_handed = 0
        self._site_parts = []
        return _Arrays(capacity, len(self.sample_ids), self.ploidy, self.want, self.ad_width, self.gt_dtype)

    def close(self) -> None:
        self.source.close()
        if self._site_pool is not None:
            self._site_pool.shutdown(wait=True, cancel_futures=True)
            self._site_pool = None

    # -- results ------------------------------------------------------------------------
    def _finish(self, arrays: _Arrays) -> CallSet:
        n = int(self.state[_N_VAR])
        if arrays.capacity != n:
            arrays.resize(n)
        variants = self._variants(arrays, n)
        undefined = self._undefined_alleles(arrays, n, variants)
        self._check_order(variants, arrays.lines[:n], arrays.pos[:n])
        if self.genome_build is None and n:
            self._build_from_records(variants)
        calldata = {key: getattr(arrays, key.lower()) for key in _CALLDATA if self.want[key]}
        return CallSet(
            genotypes=arrays.gt,
            phased=arrays.phased.view(np.bool_),
            variants=variants,
            sample_ids=self.sample_ids,
            genome_build=self.genome_build,
            calldata=calldata,
            source=self.path,
            regions=self.regions,
            genome_build_source=self.genome_build_source,
            undefined_alleles=undefined,
        )

    def _undefined_alleles(self, arrays: _Arrays, n: int, variants: pl.DataFrame) -> np.ndarray:
        """The (variant, sample) of every call whose GT named an ALT the record lacks: read
        as a missing allele (-1), reported with an :class:`~pgx.UndefinedAlleleWarning`."""
        if not self.state[_N_UNDEF]:
            return np.zeros((0, 2), dtype=np.int64)
        gt = arrays.gt[:n]
        bad = gt == _UNDEFINED
        found = np.argwhere(bad.any(axis=2)).astype(np.int64)
        gt[bad] = -1
        if found.shape[0]:
            variant, sample = (int(x) for x in found[0])
            n_alt = len(variants["alt"][variant])
            warnings.warn(
                f"{self.path}, line {int(arrays.lines[variant])}, field FORMAT/GT of sample {sample}: the genotype "
                f"refers to an ALT allele the record does not have (REF and {n_alt} ALT allele(s) allow indexes "
                f"0 to {n_alt}); that allele is read as missing (-1). {found.shape[0]} call(s) in "
                f"{np.unique(found[:, 0]).size} record(s) do so; CallSet.undefined_alleles lists them",
                UndefinedAlleleWarning, stacklevel=4,
            )
        return found

    def _build_from_records(self, variants: pl.DataFrame) -> None:
        """The header named no build: decide it from the REF bases at definition positions
        (counts add up over the chunks until the evidence is clear)."""
        counts = ref_base_counts(variants)
        if self._ref_counts is not None:
            counts = {b: (m + self._ref_counts[b][0], x + self._ref_counts[b][1]) for b, (m, x) in counts.items()}
        self._ref_counts = counts
        build, evidence = build_from_ref_bases(counts)
        if build is not None:
            self.genome_build, self.genome_build_source = build, evidence

    def _parse_sites(self, data: np.ndarray, n_rows: int) -> tuple[pl.DataFrame, int | None, str | None]:
        """Typed site columns of complete records (uint8 text, newline-terminated): the
        frame, and the row (in ``data``) and text of the first QUAL that is not a number
        (None when all are)."""
        names = list(_SITE_SCHEMA)[: 8 if self.info_fields else 7]
        columns = self.kernel.site_columns(data, n_rows, len(names))
        if columns is not None:  # plain ASCII, plain numbers: built by the kernel
            return pl.DataFrame([pl.Series(column).alias(name) for name, column in columns.items()]), None, None
        options = dict(separator="\t", has_header=False, schema={name: pl.String for name in names},
                       quote_char=None, columns=[i for i, name in enumerate(names) if name != "pos"],
                       null_values=["."])
        if not data.shape[0]:
            raw = pl.DataFrame(schema={name: pl.String for name in names if name != "pos"})
        else:
            text = data.tobytes()
            try:
                raw = pl.read_csv(text, encoding="utf8", **options)
            except pl.exceptions.ComputeError:
                raw = pl.read_csv(text, encoding="utf8-lossy", **options)
        frame = raw.select(
            pl.col("chrom"),
            pl.col("id"),
            pl.col("ref"),
            pl.col("alt").str.split(",").fill_null(pl.lit([], dtype=pl.List(pl.String))).alias("alt"),
            pl.col("qual").cast(pl.Float32, strict=False).alias("qual"),
            pl.col("filter").str.split(";").alias("filter"),
            *([pl.col("info")] if self.info_fields else []),
        )
        bad = (frame["qual"].is_null() & raw["qual"].is_not_null()).arg_true()
        if bad.len():
            return frame, int(bad[0]), raw["qual"][int(bad[0])]
        return frame, None, None

    def _hand_off_sites(self, arrays: _Arrays, *, final: bool = False) -> None:
        """Parse finished site text on a worker thread while the kernel reads on (the
        kernel and polars release the GIL), in pieces of at least ``_SITE_PIECE`` bytes."""
        site_len = int(self.state[_SITE_LEN])
        if site_len - self._sites_handed < (1 if final else _SITE_PIECE):
            return
        data = arrays.sites[self._sites_handed : site_len]
        rows = int(self.state[_N_VAR]) - self._rows_handed
        self._sites_handed = site_len
        self._rows_handed += rows
        if not final:
            # the worker reads this buffer as it is; the kernel writes on into another: one
            # the worker is done with (its columns copied the text out), else a new one.
            # Reuse matters on a many-piece file (gVCF): fresh pages cost a fault each.
            arrays.sites = self._free_sites_buffer(arrays.sites.shape[0])
            self.state[_SITE_LEN] = self._sites_handed = 0
        if self._site_pool is None:
            self._site_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pgx-sites")
        self._site_parts.append((rows, self._site_pool.submit(self._parse_sites, data, rows)))
        if not final:
            self._site_buffers.append((data.base, self._site_parts[-1][1]))

    def _free_sites_buffer(self, size: int) -> np.ndarray:
        """A site-text buffer of ``size`` bytes whose parse has finished, or a new one."""
        for i, (buffer, future) in enumerate(self._site_buffers):
            if future.done() and buffer.shape[0] == size:
                del self._site_buffers[i]
                return buffer
        return np.empty(size, dtype=np.uint8)

    def _variants(self, arrays: _Arrays, n: int) -> pl.DataFrame:
        self._hand_off_sites(arrays, final=True)
        parts = []
        bounds = []
        first = 0
        bad: tuple[int, str | None] | None = None
        for rows, future in self._site_parts:
            part, bad_row, bad_text = future.result()
            if bad is None and bad_row is not None:
                bad = (first + bad_row, bad_text)
            parts.append(part)
            bounds.append((first, first + rows))
            first += rows
        self._site_parts = []
        self._site_buffers = []
        self._sites_handed = self._rows_handed = 0
        raw = pl.concat(parts, rechunk=False) if parts else self._parse_sites(np.empty(0, np.uint8), 0)[0]
        if raw.height != n:
            raise PgxError(f"internal error: {raw.height} site rows for {n} records in {self.path}")
        if bad is not None:
            raise VcfFormatError(
                f"expected a number or '.', found {bad[1]!r}",
                path=self.path, line=int(arrays.lines[bad[0]]), field="QUAL",
            )
        pos = arrays.pos[:n]
        end = arrays.end[:n]
        if n and end.min() < 0:  # no END=: the last base of REF
            ref_end = pos + raw["ref"].str.len_bytes().to_numpy().astype(np.int64) - 1
            end = np.where(end < 0, ref_end, end)

        def column(name: str, values: np.ndarray) -> pl.Series:
            # in pieces like the site columns: polars would copy them all into one otherwise
            if len(bounds) < 2:
                return pl.Series(name, values)
            return pl.concat([pl.Series(name, values[a:b]) for a, b in bounds], rechunk=False)

        frame = raw.with_columns(column("pos", pos), column("end", end)).select(
            "chrom", "pos", "id", "ref", "alt", "qual", "filter", "end", *(["info"] if self.info_fields else []),
        )
        info_columns = [self._info_column(frame, key, arrays.lines) for key in self.info_fields]
        return frame.drop(*(["info"] if self.info_fields else [])).with_columns(info_columns)

    def _info_column(self, frame: pl.DataFrame, key: str, lines: np.ndarray) -> pl.Series:
        definition = self.header.info[key]
        text = frame["info"]
        escaped = re.escape(key)
        if definition.type == "Flag":
            return text.str.contains(f"(?:^|;){escaped}(?:;|=|$)").fill_null(False).alias(key)
        raw = text.str.extract(f"(?:^|;){escaped}=([^;]*)", 1)
        dtype = {"Integer": pl.Int64, "Float": pl.Float64}.get(definition.type, pl.String)
        if definition.number == "1":
            values = raw.replace(".", None).cast(dtype, strict=False)
            broken = (values.is_null() & raw.is_not_null() & (raw != ".")).arg_true()
        else:
            parts = raw.str.split(",")
            values = parts.list.eval(pl.element().replace(".", None).cast(dtype, strict=False))
            broken = (
                (values.list.eval(pl.element().is_null()).list.sum()
                 != parts.list.eval(pl.element() == ".").list.sum()).fill_null(False)
            ).arg_true()
        if broken.len():
            row = int(broken[0])
            raise VcfFormatError(
                f"INFO/{key} is declared Type={definition.type} but the value is {raw[row]!r}",
                path=self.path, line=int(lines[row]), field=f"INFO/{key}",
            )
        return values.alias(key)

    def _check_order(self, variants: pl.DataFrame, lines: np.ndarray, pos: np.ndarray) -> None:
        """Warn about records out of order or repeated (across chunks too)."""
        n = variants.height
        if n == 0:
            return
        chrom = variants["chrom"]
        prev_chrom = chrom.shift(1)
        prev_pos = np.empty_like(pos)
        prev_pos[1:] = pos[:-1]
        if self._last is not None:
            prev_chrom[0] = self._last[0]
            prev_pos[0] = self._last[1]
        else:
            prev_pos[0] = pos[0]
        same = (chrom == prev_chrom).fill_null(True).to_numpy()
        backwards = np.flatnonzero(same & (pos < prev_pos))
        changes = np.flatnonzero(~same)
        seen = set(self._seen_chroms)
        revisit: list[int] = []
        for i in changes:
            seen.add(prev_chrom[int(i)])
            if chrom[int(i)] in seen:
                revisit.append(int(i))
        candidates = ([int(backwards[0])] if backwards.size else []) + revisit
        first = min(candidates, default=None)
        if first is not None:
            warnings.warn(
                f"{self.path}, line {int(lines[first])}: records are not sorted by position "
                f"(record at {chrom[first]}:{pos[first]} comes after {prev_chrom[first]}:{prev_pos[first]})",
                UnsortedInputWarning, stacklevel=4,
            )
        # duplicates: a record with the CHROM, POS, REF and ALT of an earlier one at that position
        ref = variants["ref"]
        alt = variants["alt"]
        for i in np.flatnonzero(same & (pos == prev_pos)):
            i = int(i)
            if i == 0 and self._last_key is None:
                continue
            key = (chrom[i], int(pos[i]), ref[i], tuple(alt[i]))
            j = i - 1
            while j >= 0 and int(pos[j]) == key[1] and chrom[j] == key[0]:
                if (ref[j], tuple(alt[j])) == key[2:]:
                    break
                j -= 1
            duplicate = j >= 0 and int(pos[j]) == key[1] and chrom[j] == key[0]
            if j < 0 and self._last_key is not None:
                duplicate = self._last_key == key
            if duplicate:
                warnings.warn(
                    f"{self.path}, line {int(lines[i])}: duplicate record {key[0]}:{key[1]} "
                    f"{key[2]}>{','.join(key[3])} (the same CHROM, POS, REF and ALT appear twice)",
                    DuplicateRecordWarning, stacklevel=4,
                )
                break
        self._last = (chrom[-1], int(pos[-1]))
        if chrom.null_count():
            present = set(chrom.unique().to_list())
        else:  # the first record and every change of contig name them all
            present = set(chrom.gather(changes).to_list()) | {chrom[0]}
        self._seen_chroms = seen | present
        self._seen_chroms.discard(chrom[-1])
        self._last_key = (chrom[-1], int(pos[-1]), ref[-1], tuple(alt[-1]))

    def _error(self) -> VcfFormatError:
        st = self.state
        code = ERRORS[int(st[_ERR_CODE])]
        line = int(st[_LINE])
        col = int(st[_ERR_COL])
        start, stop = int(st[_ERR_START]), int(st[_ERR_STOP])
        token = bytes(self.buf[start : min(stop, start + 80)]).decode("utf-8", "replace")
        line_start = int(st[_LINE_START])
        nl = self.buf[line_start : self.filled]
        hits = np.flatnonzero(nl == 10)
        line_text = bytes(nl[: hits[0]] if hits.size else nl).decode("utf-8", "replace").rstrip("\r")
        columns = line_text.split("\t")
        n_cols = len(self.header.samples)
        expected = 8 + (1 if self.header.has_format else 0) + n_cols

        def column_name(c: int) -> str:
            if c < len(_COLUMN_NAMES):
                return _COLUMN_NAMES[c]
            return f"sample {c - 9} (column {c + 1})"

        if code in ("columns_few", "columns_many"):
            extra = f"8 fixed + FORMAT + {n_cols} samples" if self.header.has_format else "8 fixed, no FORMAT"
            return VcfFormatError(
                f"expected {expected} tab-separated columns ({extra}, as the #CHROM line says), "
                f"found {len(columns)}", path=self.path, line=line,
                field=column_name(col + 1) if code == "columns_few" else "sample columns",
            )
        if code == "pos":
            return VcfFormatError(f"expected a whole number (0 for a telomere, else the 1-based position), "
                                  f"found {token!r}",
                                  path=self.path, line=line, field="POS")
        if code == "ref":
            return VcfFormatError(f"expected bases A, C, G, T or N, found {token!r}",
                                  path=self.path, line=line, field="REF")
        if code == "alt":
            return VcfFormatError(
                f"expected an allele of bases (ACGTN or *), a symbolic allele <ID> or a breakend, "
                f"found {token!r}", path=self.path, line=line, field="ALT")
        if code == "end":
            return VcfFormatError(f"expected a whole number, found {token!r}",
                                  path=self.path, line=line, field="INFO/END")
        if code == "header_in_body":
            return VcfFormatError("a header line ('#...') appears after the #CHROM line",
                                  path=self.path, line=line, field="CHROM")
        key_index = int(st[_ERR_KEY])
        keys = columns[8].split(":") if len(columns) > 8 else []
        key = keys[key_index] if 0 <= key_index < len(keys) else "GT"
        where = f"FORMAT/{key} of sample {col - 9}"
        if code == "gt_syntax":
            return VcfFormatError(
                f"expected a genotype such as 0/1, 0|1, ./. or 1, found {token!r}",
                path=self.path, line=line, field=where)
        if code == "ploidy":
            return VcfFormatError(
                f"genotype {token!r} has more than {MAX_PLOIDY} alleles, more than pgx reads in one call",
                path=self.path, line=line, field=where)
        if code == "allele_limit":
            return VcfFormatError(
                f"genotype {token!r} uses an allele index above 32767, more than pgx's int16 "
                "genotypes hold; split multi-allelic records first (bcftools norm -m-)",
                path=self.path, line=line, field=where)
        return VcfFormatError(f"expected a whole number or '.', found {token!r}",
                              path=self.path, line=line, field=where)


@contextmanager
def _opened(path: PathLike, **options) -> Iterator[_Reader]:
    """A reader whose file (and worker threads) are closed however the caller leaves."""
    reader = _Reader(path, **options)
    try:
        yield reader
    finally:
        reader.close()


def read_vcf(
    path: PathLike,
    *,
    region: str | None = None,
    samples: Sequence[str | int] | None = None,
    fields: Sequence[str] | None = None,
    genome_build: str | None = None,
    ploidy: int = 2,
    ad_width: int = 4,
    pure_python: bool | None = None,
    index: PathLike | None = None,
    strict: bool = False,
) -> CallSet:
    """Read a VCF or BCF file into a :class:`~pgx.CallSet`.

    Plain text, gzip and BGZF-compressed VCF 4.1-4.5 are parsed by pgx's Cython kernel
    (gzip inflated by zlib-ng on a second thread); BCF is read through pysam.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    region : str, optional
        ``CONTIG``, ``CONTIG:START`` or ``CONTIG:START-STOP``, 1-based and inclusive;
        ``chr1`` and ``1`` both find either spelling. Needs a BGZF file with a tabix or
        CSI index (or an indexed BCF).
    samples : sequence of str or int, optional
        Sample names or 0-based column indexes to read, in the order wanted. All by default.
    fields : sequence of str, optional
        Besides GT (always read): ``"DP"``, ``"GQ"``, ``"AD"``, ``"PS"`` (FORMAT, read into
        :attr:`~pgx.CallSet.calldata`) and INFO keys declared in the header (added as
        variant columns named by the key, typed from the header). ``"INFO/DP"`` and
        ``"FORMAT/DP"`` remove ambiguity. By default DP, GQ and PS (phase set) are read
        when the header declares them; ``fields=[]`` reads GT alone (fastest).
    genome_build : {"GRCh38", "GRCh37"}, optional
        The build the file should use; a contradiction with the header raises
        :class:`~pgx.GenomeBuildError`. When not given, detected from the header
        (:func:`pgx.io.infer_genome_build`: ``##contig`` lengths, ``assembly=``,
        ``##reference``), else from the REF bases of the records at the reference tables'
        definition positions when they clearly favour one build (else None); the
        CallSet's ``genome_build_source`` says which.
    ploidy : int, default 2
        The least number of allele slots per call (1 to
        :data:`~pgx.callset.MAX_PLOIDY`): the genotype array widens to the largest call
        of the file (a triploid ``0/0/1``); shorter calls fill the rest with -2.
    ad_width : int, default 4
        Alleles kept per call in AD (REF and the first ``ad_width - 1`` ALT alleles).
    pure_python : bool, optional
        Use the slow pure-Python kernel (the test oracle); by default only when the
        environment variable ``PGX_PURE_PYTHON=1`` is set.
    index : str or os.PathLike, optional
        With ``region``: the tabix or CSI index to query through, when it is not beside
        the file (see :func:`pgx.io.index_vcf`). By default ``PATH.tbi`` or ``PATH.csi``.
    strict : bool, default False
        Check the whole file against the VCF specification first (:func:`pgx.io.validate`)
        and raise its first error; warnings do not stop the read. By default the reader
        accepts what it can read and warns about duplicated or unsorted records.

    Returns
    -------
    CallSet
        Genotypes are int8, or int16 when a record uses an allele index above 127.
        POS 0 (a telomere) reads as 0; other positions are 1-based.

    Raises
    ------
    VcfFormatError
        Malformed or truncated input, naming the file, line and field (with ``strict=True``,
        any error :func:`pgx.io.validate` finds).
    RegionError
        A region that cannot be queried (no index, unknown contig, plain-text file).
    GenomeBuildError
        The requested build contradicts the header.

    Warns
    -----
    DuplicateRecordWarning, UnsortedInputWarning, UndefinedAlleleWarning

    Examples
    --------
    >>> import pgx
    >>> cs = pgx.read_vcf(pgx.example_vcf(), strict=True)
    >>> cs.genotypes.dtype, cs.genotypes.shape[2]
    (dtype('int8'), 2)
    >>> cs.variants.columns[:8]
    ['chrom', 'pos', 'id', 'ref', 'alt', 'qual', 'filter', 'end']
    """
    _strict_check(path, strict)
    with _opened(path, region=region, samples=samples, fields=fields, genome_build=genome_build,
                 ploidy=ploidy, ad_width=ad_width, pure_python=pure_python, index=index) as reader:
        return reader.read_all()


def iter_vcf(
    path: PathLike,
    *,
    chunk_size: int = 10_000,
    region: str | None = None,
    samples: Sequence[str | int] | None = None,
    fields: Sequence[str] | None = None,
    genome_build: str | None = None,
    ploidy: int = 2,
    ad_width: int = 4,
    pure_python: bool | None = None,
    index: PathLike | None = None,
    strict: bool = False,
) -> Iterator[CallSet]:
    """Stream a VCF/BCF file as :class:`~pgx.CallSet` chunks of at most ``chunk_size`` variants.

    Memory stays bounded by one chunk whatever the file's size. Options are those of
    :func:`read_vcf`. A chunk's genotypes are as wide (ploidy, int8 or int16) as the
    widest call read so far: a chunk is never narrower than the one before it. A build inferred from REF bases (a header naming none) is set from
    the chunk where the evidence becomes clear on; earlier chunks have ``genome_build`` None.

    Parameters
    ----------
    path : str or os.PathLike
    chunk_size : int, default 10000
        Variants per chunk (the last may be shorter).
    region, samples, fields, genome_build, ploidy, ad_width, pure_python, index, strict
        As in :func:`read_vcf` (``strict`` checks the whole file before the first chunk).

    Yields
    ------
    CallSet

    Raises
    ------
    VcfFormatError, RegionError, GenomeBuildError
        As :func:`read_vcf`; raised when the bad record is reached.

    Examples
    --------
    >>> import pgx
    >>> sizes = [chunk.n_variants for chunk in pgx.iter_vcf(pgx.example_vcf(), chunk_size=5)]
    >>> sum(sizes) == pgx.read_vcf(pgx.example_vcf()).n_variants, max(sizes) <= 5
    (True, True)
    """
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive whole number, found {chunk_size!r}")
    _strict_check(path, strict)
    with _opened(path, region=region, samples=samples, fields=fields, genome_build=genome_build,
                 ploidy=ploidy, ad_width=ad_width, pure_python=pure_python, index=index) as reader:
        yield from reader.iter_chunks(chunk_size)


def _strict_check(path: PathLike, strict: bool) -> None:
    """With ``strict``, raise the first error the validator finds in the file."""
    if strict:
        error = first_error(path)
        if error is not None:
            raise error


def read_header(path: PathLike) -> VcfHeader:
    """Read only the header of a VCF/BCF file (samples, contigs, INFO and FORMAT fields).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    VcfHeader

    Raises
    ------
    VcfFormatError
        If the file is not a VCF or its header is malformed.

    Examples
    --------
    >>> import pgx
    >>> read_header(pgx.example_vcf()).samples
    ('SAMPLE_A', 'SAMPLE_B', 'SAMPLE_C', 'SAMPLE_D')
    """
    with _opened(path, region=None, samples=None, fields=[], genome_build=None, ploidy=2, ad_width=4,
                 pure_python=None) as reader:
        return reader.header
