"""Small helpers shared across layers (no pgx imports)."""

from __future__ import annotations

import ctypes
import sys
import threading

import numpy as np

__all__ = ["Prefaulter", "small_pages"]

_MADV_NOHUGEPAGE = 15
_MADV_POPULATE_WRITE = 23  # Linux >= 5.14
_PAGE = 4096
_STEP = 32 << 20


class Prefaulter:
    """Fault in the pages of freshly allocated arrays on a background thread.

    A large ``np.empty`` array costs a page fault per page on first write; on virtual
    machines each fault is expensive. ``madvise(MADV_POPULATE_WRITE)`` maps the pages
    without changing their contents, so it can run on the second core while the parser
    fills the arrays on the first. Where the kernel lacks it, nothing happens.

    Parameters
    ----------
    arrays : list of numpy.ndarray
        C-contiguous arrays whose leading ``rows`` rows will be written.
    rows : int
        How many leading rows to fault in.
    """

    def __init__(self, arrays: list[np.ndarray], rows: int) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if not sys.platform.startswith("linux"):
            return
        spans = []
        for array in arrays:
            if array.size == 0 or not array.flags.c_contiguous:
                continue
            row_bytes = array.nbytes // array.shape[0]
            spans.append((array.ctypes.data, min(array.nbytes, row_bytes * rows)))
        self._thread = threading.Thread(target=self._work, args=(spans,), daemon=True)
        self._thread.start()

    def _work(self, spans: list[tuple[int, int]]) -> None:
        try:
            madvise = ctypes.CDLL(None, use_errno=True).madvise
        except (OSError, AttributeError):
            return
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        for address, size in spans:
            start = address & ~(_PAGE - 1)
            stop = address + size
            while start < stop and not self._stop.is_set():
                length = min(_STEP, stop - start)
                if madvise(start, length, _MADV_POPULATE_WRITE) != 0:
                    return
                start += length

    def stop(self) -> None:
        """Stop and wait; call before the arrays are resized or freed."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def _madvise():
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return madvise


def small_pages(arrays: list[np.ndarray]) -> None:
    """Ask Linux to back large fresh arrays with 4 KiB pages, not transparent huge pages.

    numpy advises huge pages for every large allocation. Filling a fresh 750 MB array
    then costs 2-4 times more (1.8-3.3 s against 0.8 s, measured on the 2-core virtual
    machine of ``benchmarks/``), because each huge-page fault zeroes 2 MiB of memory the
    host has not mapped yet. Call before the first write; elsewhere it does nothing.

    Parameters
    ----------
    arrays : list of numpy.ndarray
        Arrays not yet written to (arrays below 4 MiB are left alone).
    """
    if not sys.platform.startswith("linux"):
        return
    madvise = None
    for array in arrays:
        if array.nbytes < (4 << 20) or not array.flags.c_contiguous:
            continue
        if madvise is None:
            madvise = _madvise()
            if madvise is None:
                return
        start = (array.ctypes.data + _PAGE - 1) & ~(_PAGE - 1)
        stop = (array.ctypes.data + array.nbytes) & ~(_PAGE - 1)
        if stop > start:
            madvise(start, stop - start, _MADV_NOHUGEPAGE)
