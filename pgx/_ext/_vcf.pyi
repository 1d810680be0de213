import numpy as np
from numpy.typing import NDArray

def parse_records(
    buf: NDArray[np.uint8],
    start: int,
    stop: int,
    at_eof: bool,
    state: NDArray[np.int64],
    sample_map: NDArray[np.int32],
    has_format: bool,
    gt: NDArray[np.int8] | NDArray[np.int16],
    phased: NDArray[np.uint8],
    dp: NDArray[np.int32],
    gq: NDArray[np.int32],
    ps: NDArray[np.int32],
    ad: NDArray[np.int32],
    pos: NDArray[np.int64],
    end: NDArray[np.int64],
    lines: NDArray[np.int64],
    sites: NDArray[np.uint8],
    max_variants: int,
    site_columns: int = ...,
) -> int: ...

class ArrowColumn:
    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]: ...

def site_columns(data: NDArray[np.uint8], n_rows: int, n_columns: int) -> dict[str, ArrowColumn] | None: ...
