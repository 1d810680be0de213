"""Byte sources for the VCF parser: plain, gzip/BGZF (inflated on a second thread),
BCF and tabix/CSI region queries (through pysam).

Each source has ``readinto(view) -> int`` (0 at the end) and ``close()``; the parser
never knows which one it reads.
"""

from __future__ import annotations

import os
import queue
import threading
import zlib
from collections.abc import Iterator
from typing import Protocol

import numpy as np

from pgx.exceptions import RegionError, VcfFormatError

__all__ = ["ByteSource", "sniff", "open_source", "LineSource", "BGZF_EOF"]

#: the 28-byte empty block that ends every complete BGZF file (SAM/BAM spec, 4.1.2)
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")

#: inflate with ISA-L (python-isal) when the text is less than this many times the
#: compressed size, else with zlib-ng. ISA-L's decoder is faster on ordinary deflate
#: streams (clinical benchmark file, ratio 4: 0.21 s against 0.27 s), zlib-ng's on the long
#: matches of very compressible text (cohort file, ratio 32: 0.44 s against 0.63 s).
ISAL_BELOW_RATIO = 12.0


def compression_ratio(path: str, bgzf: bool) -> float:
    """Text bytes per compressed byte: for BGZF from the headers of the blocks in the first
    4 MiB (no inflating), for plain gzip from the trailer's ISIZE."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        if not bgzf:
            handle.seek(max(0, size - 4))
            return int.from_bytes(handle.read(4), "little") / max(1, size)
        data = handle.read(4 << 20)
    text = offset = 0
    while offset + 18 <= len(data) and data[offset : offset + 2] == b"\x1f\x8b" and data[offset + 12 : offset + 14] == b"BC":
        block = int.from_bytes(data[offset + 16 : offset + 18], "little") + 1
        if offset + block > len(data):
            break
        text += int.from_bytes(data[offset + block - 4 : offset + block], "little")
        offset += block
    return text / max(1, offset)


def _gzip_reader(path: str, raw, bgzf: bool):
    """The faster streaming gzip reader for this file (see ``ISAL_BELOW_RATIO``) and the
    exceptions it raises on corrupt data."""
    from zlib_ng import zlib_ng

    if compression_ratio(path, bgzf) < ISAL_BELOW_RATIO:
        try:
            from isal import igzip, igzip_lib, isal_zlib
        except ImportError:  # no ISA-L wheel for this platform: zlib-ng does it all
            pass
        else:
            return igzip._IGzipReader(raw, buffersize=1 << 20), (isal_zlib.error, igzip_lib.IsalError)
    return zlib_ng._GzipReader(raw, buffersize=1 << 20), (zlib_ng.error,)


class ByteSource(Protocol):
    """Something the parser can pull decompressed VCF text from (``readinto``, or
    ``swap`` for sources that fill their own buffers, see :class:`_InflateAhead`)."""

    def readinto(self, view: memoryview) -> int: ...

    def close(self) -> None: ...


def sniff(path: str) -> str:
    """Return the file's kind: ``"vcf"``, ``"gzip"``, ``"bgzf"`` or ``"bcf"``.

    Parameters
    ----------
    path : str

    Returns
    -------
    str

    Raises
    ------
    VcfFormatError
        If the file is missing, empty, or binary but neither gzip nor BCF.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(18)
            handle.seek(0)
            first_block = handle.read(1 << 16)
    except FileNotFoundError:
        raise VcfFormatError("no such file", path=path) from None
    except IsADirectoryError:
        raise VcfFormatError("is a folder, expected a VCF file", path=path) from None
    except OSError as exc:
        raise VcfFormatError(f"cannot be read: {exc.strerror}", path=path) from None
    if not head:
        raise VcfFormatError("the file is empty; expected a VCF header", path=path, line=1)
    if head[:2] == b"\x1f\x8b":
        try:
            text = zlib.decompressobj(31).decompress(first_block, 16)
        except zlib.error as exc:
            raise VcfFormatError(f"corrupt gzip data at the start of the file: {exc}", path=path) from None
        if text[:3] == b"BCF":
            return "bcf"
        # BGZF: gzip with FEXTRA and a 'BC' subfield (SAM/BAM spec, 4.1)
        if len(head) >= 14 and head[3] & 4 and head[12:14] == b"BC":
            return "bgzf"
        return "gzip"
    if head[:3] == b"BCF":
        return "bcf"
    if head[:2] == b"##":
        return "vcf"
    if b"\x00" in head or any(b > 127 for b in head[:4]):
        raise VcfFormatError(
            "is a binary file but neither gzip/BGZF nor BCF; expected VCF text starting with "
            "'##fileformat=VCF'",
            path=path, line=1,
        )
    raise VcfFormatError(
        f"not a VCF: expected '##fileformat=VCFv4.x' on line 1, found {head[:16].decode('latin-1')!r}",
        path=path, line=1, field="header",
    )


class _FileSource:
    def __init__(self, path: str) -> None:
        self._handle = open(path, "rb", buffering=0)

    def readinto(self, view: memoryview) -> int:
        return self._handle.readinto(view) or 0

    def close(self) -> None:
        self._handle.close()


class _InflateAhead:
    """gzip or BGZF inflated by ISA-L or zlib-ng on a second thread straight into parse buffers.

    The thread fills a small pool of buffers while the parser reads the previous one;
    :meth:`swap` hands the parser the next buffer with the unparsed tail of the current
    one copied in front of it (into ``pad`` bytes kept free for it), so the text is
    written once, by the inflater, and never copied whole.
    """

    _POOL = 3

    def __init__(self, path: str, *, bgzf: bool, buffer_size: int) -> None:
        self.path = path
        if bgzf:
            size = os.path.getsize(path)
            with open(path, "rb") as handle:
                handle.seek(max(0, size - len(BGZF_EOF)))
                if handle.read() != BGZF_EOF:
                    raise VcfFormatError(
                        "truncated BGZF stream: the file does not end with the BGZF end-of-file "
                        "block, so records may be missing (was the copy interrupted?)",
                        path=path,
                    )
        self._size = max(16, buffer_size // 2)
        self._pad = max(8, self._size // 4)
        self._pool = [np.empty(self._pad + self._size, dtype=np.uint8) for _ in range(self._POOL)]
        self._free: queue.Queue = queue.Queue()
        for buf in self._pool:
            self._free.put(buf)
        self._ready: queue.Queue = queue.Queue()
        self._stopping = threading.Event()
        self._raw = open(path, "rb", buffering=0)
        try:
            self._reader, errors = _gzip_reader(path, self._raw, bgzf)
        except BaseException:
            self._raw.close()
            raise
        self._errors = (OSError, zlib.error, *errors)
        self._thread = threading.Thread(target=self._work, name="pgx-inflate", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            while not self._stopping.is_set():
                buf = self._free.get()
                if buf is None:
                    return
                view = memoryview(buf)[self._pad :]
                n = 0
                while n < len(view):
                    got = self._reader.readinto(view[n:])
                    if not got:
                        break
                    n += got
                if n:
                    self._ready.put((buf, n, None))
                if n < len(view):
                    self._ready.put((None, 0, None))
                    return
        except BaseException as exc:  # handed to the parser's thread
            self._ready.put((None, 0, exc))

    def _recycle(self, buf) -> None:
        if any(buf is mine for mine in self._pool):
            self._free.put(buf)

    def swap(self, buf, offset: int, filled: int):
        """Return ``(buffer, start, stop, at_eof)``: the text after ``buf[offset:filled]``,
        which it starts with; at the end, ``buf`` itself with ``at_eof`` true."""
        new, n, exc = self._ready.get()
        if exc is not None:
            self._ready.put((None, 0, exc))
            if isinstance(exc, EOFError):
                raise VcfFormatError(
                    "truncated gzip/BGZF stream: the compressed data ends before its end-of-stream "
                    "marker", path=self.path,
                ) from None
            if isinstance(exc, self._errors):
                raise VcfFormatError(f"corrupt gzip/BGZF data: {exc}", path=self.path) from None
            raise exc
        if new is None:
            self._ready.put((None, 0, None))
            return buf, offset, filled, True
        tail = filled - offset
        if tail <= self._pad:
            start = self._pad - tail
            new[start : self._pad] = buf[offset:filled]
            self._recycle(buf)
            return new, start, self._pad + n, False
        # a tail longer than the pad (a very long line or header): one combined buffer
        combined = np.empty(tail + n, dtype=np.uint8)
        combined[:tail] = buf[offset:filled]
        combined[tail:] = new[self._pad : self._pad + n]
        self._recycle(new)
        self._recycle(buf)
        return combined, 0, tail + n, False

    def close(self) -> None:
        if self._thread.is_alive():
            # the thread stops after the buffer it is filling; a None wakes it if it waits
            self._stopping.set()
            self._free.put(None)
            self._thread.join()
        self._reader.close()
        self._raw.close()


class LineSource:
    """Serve text lines from an iterator (pysam results) as a byte stream."""

    def __init__(self, lines: Iterator[str], closer=None) -> None:
        self._lines = lines
        self._pending = b""
        self._closer = closer

    def readinto(self, view: memoryview) -> int:
        want = len(view)
        parts = [self._pending]
        size = len(self._pending)
        for line in self._lines:
            data = line.encode() if line.endswith("\n") else (line + "\n").encode()
            parts.append(data)
            size += len(data)
            if size >= want:
                break
        blob = b"".join(parts)
        n = min(want, len(blob))
        view[:n] = blob[:n]
        self._pending = blob[n:]
        return n

    def close(self) -> None:
        if self._closer is not None:
            self._closer()


def open_source(path: str, kind: str, *, buffer_size: int = 8 << 20) -> ByteSource:
    """Open a whole-file text source for a sniffed kind (``vcf``, ``gzip``, ``bgzf``).

    Compressed kinds give an :class:`_InflateAhead`, which offers ``swap`` instead of
    ``readinto``; ``buffer_size`` sets its buffers (half of it each).
    """
    if kind == "vcf":
        return _FileSource(path)
    return _InflateAhead(path, bgzf=kind == "bgzf", buffer_size=buffer_size)


def open_bcf(path: str, region: tuple[str, int | None, int | None] | None):
    """Return (header text, LineSource) for a BCF file, optionally restricted to a region."""
    import pysam

    verbosity = pysam.set_verbosity(0)  # an unindexed BCF makes htslib print [E::idx_find_and_load]
    try:
        handle = pysam.VariantFile(path)
    except (OSError, ValueError) as exc:
        raise VcfFormatError(f"cannot be read as BCF: {exc}", path=path) from None
    finally:
        pysam.set_verbosity(verbosity)
    header = str(handle.header)
    if region is None:
        records = handle.fetch() if handle.index is not None else iter(handle)
    else:
        contig, start, stop = region
        if handle.index is None:
            handle.close()
            raise RegionError(
                f"{path}: a region query needs a CSI index ({path}.csi); create one with "
                "`bcftools index` (the file must be sorted)"
            )
        records = handle.fetch(contig, None if start is None else start - 1, stop)
    return header, LineSource((str(rec) for rec in records), handle.close)


def text_size(path: str, kind: str) -> int:
    """Estimate the decompressed size of a VCF file in bytes (for preallocation).

    Exact for plain text and BGZF (the sum of the blocks' ISIZE fields, read from the
    block headers without inflating anything); for plain gzip the trailer's ISIZE,
    which is exact below 4 GiB for a single-member file.
    """
    size = os.path.getsize(path)
    if kind == "vcf":
        return size
    if kind == "gzip":
        with open(path, "rb") as handle:
            handle.seek(max(0, size - 4))
            isize = int.from_bytes(handle.read(4), "little")
        return max(isize, 3 * size)
    total = 0
    offset = 0
    with open(path, "rb") as handle:
        while offset + 18 <= size:
            handle.seek(offset)
            head = handle.read(18)
            if head[:2] != b"\x1f\x8b" or head[12:14] != b"BC":
                return max(total, 3 * size)
            block = int.from_bytes(head[16:18], "little") + 1
            handle.seek(offset + block - 4)
            total += int.from_bytes(handle.read(4), "little")
            offset += block
    return total
