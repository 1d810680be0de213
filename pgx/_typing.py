"""Shared type aliases."""

from __future__ import annotations

import os
from typing import Literal, Union

__all__ = ["GenomeBuild", "PathLike", "GENOME_BUILDS"]

GenomeBuild = Literal["GRCh38", "GRCh37"]
GENOME_BUILDS: tuple[str, ...] = ("GRCh38", "GRCh37")
PathLike = Union[str, "os.PathLike[str]"]
