"""Single-fact mutation testing of reference/: does the test suite notice one wrong fact?

Each mutant changes ONE fact of one committed table of ``reference/`` to another plausible value
(a position moved by 1..10 bp, a base swapped, an activity value or function replaced by another
value the same table uses, a bin edge moved by one activity step, a guideline classification or
action swapped, an rsID / HGNC / RxNorm digit changed, an oncology direction flipped, a tumour-type
code swapped, ...). Comment lines and headers are never changed. The four edits issue #16 names are
fixed mutants; the rest is a seeded sample stratified over the table families.

``--mode cell`` changes the one cell. ``--mode fact`` (default) also changes the copies of the same
fact that a builder would write with it: a position's GRCh38/GRCh37 coordinate, rsID or alt base is
held by positions.tsv and by every definitions.tsv row at that position (and CPIC's own position and
HGVS in positions.tsv); otherwise pgx's loader, which cross-checks the two files, kills the mutant
before any test compares a fact with its source.

Every mutant is applied in a scratch ``git worktree add --detach`` of ``--commit`` (the Cython
extensions built there once), ``reference/MANIFEST.json`` is refreshed with
``tools/build_reference.py --manifest-only`` (tests/test_reference.py verifies the manifest's
sha256 values, so without the refresh every mutant would be killed by the checksum alone), and the
family's test files run with ``pytest -x``, fast source-comparison tests first. The files and the
manifest are restored after each mutant. A mutant is *killed* when a test fails, *survived* when
all pass.

    python benchmarks/bench_fact_mutations.py [--n 60] [--seed 16] [--mode fact|cell]
        [--commit REV] [--label NAME] [--only-ids ID,...] [--list]

Results: ``benchmarks/results/fact_mutations.json`` (or ``--out``), one entry per ``--label``; the
table is printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_result  # noqa: E402

REPO = Path(__file__).resolve().parent.parent

# --- which tests read which family (fast source-comparison files first) ---------------------------
FAMILY_TESTS: dict[str, list[str]] = {
    "pharmacogenes/positions": ["tests/test_reference_cpic.py", "tests/test_reference_sources.py",
                                "tests/test_reference.py", "tests/test_calling_cpic.py"],
    "pharmacogenes/definitions": ["tests/test_reference_cpic.py", "tests/test_reference_sources.py",
                                  "tests/test_reference.py", "tests/test_calling_cpic.py"],
    "pharmacogenes/alleles": ["tests/test_reference_cpic.py", "tests/test_ryr1_g6pd_functions.py",
                              "tests/test_recommend_cpic_oracle.py", "tests/test_reference.py"],
    "pharmacogenes/phenotypes": ["tests/test_reference_cpic.py", "tests/test_ryr1_g6pd_functions.py",
                                 "tests/test_recommend_cpic_oracle.py", "tests/test_reference.py"],
    "pharmacogenes/gene": ["tests/test_reference_cpic.py", "tests/test_reference_sources.py", "tests/test_reference.py",
                           "tests/test_calling_cpic.py"],
    "pharmacogenes/tag_snps": ["tests/test_hla_proxy.py", "tests/test_reference.py"],
    "guidelines": ["tests/test_recommend_cpic_oracle.py", "tests/test_reference_sources.py",
                   "tests/test_recommend_fda.py", "tests/test_recommend_dpwg.py", "tests/test_recommend_sources.py"],
    "medications": ["tests/test_reference_sources.py", "tests/test_reference.py", "tests/test_recommend.py"],
    "genome": ["tests/test_reference_sources.py", "tests/test_reference.py",
               "tests/test_report.py::test_fhir_bundle_follows_the_genomics_reporting_ig"],
    "oncology": ["tests/test_oncology_truth.py", "tests/test_reference_sources.py", "tests/test_oncology.py"],
    "structural": ["tests/test_reference_sources.py", "tests/test_reference.py", "tests/test_cyp2d6_reads.py"],
    "vcf": ["tests/test_reference_sources.py", "tests/test_io_validate.py"],
    "simulation": ["tests/test_simulate_cohort.py"],
}
FAMILIES = list(FAMILY_TESTS)

ACTIVITY_VALUES = ["0", "0.25", "0.5", "1", "1.5", "2", "3"]
METABOLIZER_WORDS = ["Poor", "Intermediate", "Normal", "Rapid", "Ultrarapid"]
BASES = "ACGT"


@dataclass
class Mutant:
    id: str
    family: str
    path: str        # relative to the repository
    line: int        # 1-based line number in the file
    column: str
    old: str
    new: str
    kind: str
    fixed: bool = False
    #: the same fact's other copies (positions.tsv and definitions.tsv repeat a position's facts):
    #: (path, line, column, old, new), changed with the cell above in 'fact' mode
    also: list = field(default_factory=list)


def family_of(rel: str) -> str | None:
    parts = rel.split("/")
    if parts[1] == "pharmacogenes":
        return "pharmacogenes/" + parts[-1][: -len(".tsv")]
    return parts[1] if parts[1] in FAMILY_TESTS else None


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and (1-based line number, row) of each data line; comment lines are skipped."""
    header: list[str] | None = None
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if header is None:
            header = fields
            continue
        rows.append((number, dict(zip(header, fields + [""] * (len(header) - len(fields))))))
    return header or [], rows


# --- value mutators: each returns a new value != old, or None when the cell cannot be mutated -----
def m_shift(old: str, rng: random.Random) -> str | None:
    if not re.fullmatch(r"\d+", old):
        return None
    return str(int(old) + rng.choice([-1, 1]) * rng.randint(1, 10))


def m_base(old: str, rng: random.Random) -> str | None:
    if not old or not set(old) <= set(BASES):
        return None
    i = rng.randrange(len(old))
    return old[:i] + rng.choice([b for b in BASES if b != old[i]]) + old[i + 1:]


def m_digit(old: str, rng: random.Random) -> str | None:
    digits = [i for i, c in enumerate(old) if c.isdigit()]
    if not digits:
        return None
    i = rng.choice(digits)
    return old[:i] + rng.choice([d for d in "0123456789" if d != old[i]]) + old[i + 1:]


def m_activity(old: str, rng: random.Random) -> str | None:
    if old == "":
        return None
    return rng.choice([v for v in ACTIVITY_VALUES if float(v) != float(old)])


def m_edge(old: str, rng: random.Random) -> str | None:
    """A bin edge moved by one or two activity steps (0.25 / 0.5), staying >= 0."""
    try:
        value = float(old)
    except ValueError:
        return None
    if value == float("inf"):
        return None
    new = value + rng.choice([-0.5, -0.25, 0.25, 0.5])
    if new < 0:
        new = value + 0.25
    return f"{new:g}"


def m_bool(old: str, rng: random.Random) -> str | None:
    return {"true": "false", "false": "true"}.get(old)


def m_metabolizer(old: str, rng: random.Random) -> str | None:
    found = [w for w in METABOLIZER_WORDS if re.search(rf"\b{w}\b", old)]
    if not found:
        return None
    word = rng.choice(found)
    return re.sub(rf"\b{word}\b", rng.choice([w for w in METABOLIZER_WORDS if w != word]), old, count=1)


def m_small_number(old: str, rng: random.Random) -> str | None:
    try:
        value = float(old)
    except ValueError:
        return None
    factors = [0.5, 0.8] if 0 < value <= 1 else [0.5, 0.8, 1.25, 2.0]  # a frequency stays <= 1
    return f"{value * rng.choice(factors):.4g}"


def m_strand(old: str, rng: random.Random) -> str | None:
    return {"+": "-", "-": "+"}.get(old)


def m_code_in_list(old: str, rng: random.Random, pool: list[str]) -> str | None:
    """Swap one '|'-separated code for another code of the pool."""
    codes = old.split("|")
    if not old or not pool:
        return None
    i = rng.randrange(len(codes))
    choices = [c for c in pool if c not in codes]
    if not choices:
        return None
    codes[i] = rng.choice(choices)
    return "|".join(codes)


# column -> (kind, mutator) per table family; 'other' = another value of the same column in the table
SHIFT, BASE, DIGIT, OTHER = "position", "base", "digit", "other_value"
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "pharmacogenes/positions": {"pos_grch38": SHIFT, "pos_grch37": SHIFT, "alt": BASE, "rsid": DIGIT},
    "pharmacogenes/definitions": {"pos_grch38": SHIFT, "pos_grch37": SHIFT, "alt": BASE, "rsid": DIGIT,
                                  "wobble": "bool"},
    "pharmacogenes/alleles": {"function": OTHER, "activity_value": "activity"},
    "pharmacogenes/phenotypes": {"min_score": "edge", "max_score": "edge", "phenotype": OTHER},
    "pharmacogenes/gene": {"value": "gene_key"},
    "pharmacogenes/tag_snps": {"pos_grch38": SHIFT, "pos_grch37": SHIFT, "alt": BASE, "rsid": DIGIT},
    "guidelines": {"classification": OTHER, "action": OTHER, "rxnorm": DIGIT, "condition": "metabolizer"},
    "medications/activity_bins.tsv": {"lower": "edge", "upper": "edge", "lower_inclusive": "bool",
                                      "upper_inclusive": "bool"},
    "medications/phenoconversion.tsv": {"value": OTHER},
    "medications/comedications.tsv": {"strength": OTHER, "effect": OTHER, "enzyme": OTHER},
    "genome/contigs.tsv": {"length": SHIFT},
    "genome/genes.tsv": {"hgnc_id": DIGIT, "ncbi_gene": DIGIT, "ensembl_gene": DIGIT},
    "oncology/biomarkers.tsv": {"direction": OTHER, "tumor_types": "tumour_code", "tier": OTHER,
                                "evidence_level": OTHER, "therapy": OTHER, "alteration": DIGIT},
    "oncology/tumor_types.tsv": {"parent": OTHER, "main_type": OTHER},
    "oncology/tumor_type_synonyms.tsv": {"code": OTHER},
    "oncology/germline_toxicity.tsv": {"genes": OTHER, "drug": OTHER, "tumor_types": "tumour_code"},
    "structural/CYP2D6_locus.tsv": {"start0": SHIFT, "end": SHIFT},
    "structural/CYP2D6_structures.tsv": {"hybrid_allele": OTHER, "units": OTHER},
    "vcf/reserved_keys.tsv": {"number": OTHER, "type": OTHER},
    "simulation/allele_frequencies.tsv": {"frequency": "number"},
    "simulation/effects.tsv": {"value": "number"},
    "simulation/populations.tsv": {"weight": "number"},
}
GENE_KEYS = {"strand": "strand", "reference_allele": "allele_name", "ignored_positions": "positions"}


def table_key(rel: str) -> str:
    family = family_of(rel)
    if family and family.startswith("pharmacogenes/"):
        return family
    if family == "guidelines":
        return "guidelines"
    return rel[len("reference/"):]


def _tumour_codes() -> list[str]:
    _, rows = read_rows(REPO / "reference" / "oncology" / "tumor_types.tsv")
    return sorted(r["code"] for _, r in rows)


def candidates(root: Path) -> list[tuple[str, int, str, str, str]]:
    """Every mutable cell: (relative path, line, column, old value, kind)."""
    out = []
    for path in sorted((root / "reference").rglob("*.tsv")):
        rel = path.relative_to(root).as_posix()
        columns = TABLE_COLUMNS.get(table_key(rel))
        if not columns or family_of(rel) is None:
            continue
        _, rows = read_rows(path)
        for line, row in rows:
            for column, kind in columns.items():
                if column not in row:
                    continue
                old = row[column]
                if kind == "gene_key":
                    kind = GENE_KEYS.get(row.get("key", ""), "")
                    if not kind:
                        continue
                if old == "" and kind not in (OTHER,):
                    continue
                out.append((rel, line, column, old, kind))
    return out


def mutate(root: Path, cell: tuple[str, int, str, str, str], rng: random.Random) -> str | None:
    rel, line, column, old, kind = cell
    if kind == SHIFT:
        return m_shift(old, rng)
    if kind == "positions":
        parts = old.split(",")
        i = rng.randrange(len(parts))
        parts[i] = m_shift(parts[i], rng) or parts[i]
        return ",".join(parts)
    if kind == BASE:
        return m_base(old, rng)
    if kind == DIGIT:
        return m_digit(old, rng)
    if kind == "activity":
        return m_activity(old, rng)
    if kind == "edge":
        return m_edge(old, rng)
    if kind == "bool":
        return m_bool(old, rng)
    if kind == "metabolizer":
        return m_metabolizer(old, rng)
    if kind == "number":
        return m_small_number(old, rng)
    if kind == "strand":
        return m_strand(old, rng)
    if kind == "tumour_code":
        return m_code_in_list(old, rng, _tumour_codes_cached(rel, column, root))
    if kind == "allele_name":
        _, rows = read_rows(root / Path(rel).parent / "alleles.tsv")
        names = [r["allele"] for _, r in rows if r["allele"] != old and r.get("structural") != "true"]
        return rng.choice(names) if names else None
    if kind == OTHER:
        _, rows = read_rows(root / rel)
        values = sorted({r[column] for _, r in rows if r.get(column, "") not in ("", old)})
        return rng.choice(values) if values else None
    raise ValueError(kind)


_POOLS: dict[tuple[str, str], list[str]] = {}


def _tumour_codes_cached(rel: str, column: str, root: Path) -> list[str]:
    """Codes already used in that column (plausible swaps), else every OncoTree code."""
    key = (rel, column)
    if key not in _POOLS:
        _, rows = read_rows(root / rel)
        used = sorted({c for _, r in rows for c in r.get(column, "").split("|") if c})
        _POOLS[key] = used or _tumour_codes()
    return _POOLS[key]


def _find_line(root: Path, rel: str, match: dict[str, str]) -> tuple[int, dict[str, str]]:
    _, rows = read_rows(root / rel)
    hits = [(n, r) for n, r in rows if all(r.get(k) == v for k, v in match.items())]
    if len(hits) != 1:
        raise LookupError(f"{rel}: {len(hits)} rows match {match}")
    return hits[0]


def fixed_mutants(root: Path) -> list[Mutant]:
    """The four single-fact edits issue #16 names."""
    out = []
    n, r = _find_line(root, "reference/pharmacogenes/CYP2C19/positions.tsv", {"rsid": "rs4244285"})
    out.append(Mutant("F1", "pharmacogenes/positions", "reference/pharmacogenes/CYP2C19/positions.tsv", n,
                      "pos_grch38", r["pos_grch38"], str(int(r["pos_grch38"]) + 10), "position", True))
    n, r = _find_line(root, "reference/pharmacogenes/CYP2D6/alleles.tsv", {"allele": "*10"})
    out.append(Mutant("F2", "pharmacogenes/alleles", "reference/pharmacogenes/CYP2D6/alleles.tsv", n,
                      "activity_value", r["activity_value"], "0.5", "activity", True))
    _, rows = read_rows(root / "reference/pharmacogenes/DPYD/alleles.tsv")
    hap = [(n, r) for n, r in rows if "HapB3" in r["allele"] and r["activity_value"] == "0.5"]
    n, r = hap[0]
    out.append(Mutant("F3", "pharmacogenes/alleles", "reference/pharmacogenes/DPYD/alleles.tsv", n,
                      "activity_value", r["activity_value"], "1", "activity", True))
    n, r = _find_line(root, "reference/pharmacogenes/CYP2D6/phenotypes.tsv", {"phenotype": "Intermediate Metabolizer"})
    out.append(Mutant("F4", "pharmacogenes/phenotypes", "reference/pharmacogenes/CYP2D6/phenotypes.tsv", n,
                      "min_score", r["min_score"], "0.5", "edge", True))
    return out


def sample_mutants(root: Path, n: int, seed: int) -> list[Mutant]:
    rng = random.Random(seed)
    by_family: dict[str, list] = {f: [] for f in FAMILIES}
    for cell in candidates(root):
        by_family[family_of(cell[0])].append(cell)
    # stratified: n split as evenly as possible over the families that have cells
    families = [f for f in FAMILIES if by_family[f]]
    quota = {f: n // len(families) for f in families}
    for f in families[: n - sum(quota.values())]:
        quota[f] += 1
    out: list[Mutant] = []
    for family in families:
        pool = by_family[family][:]
        rng.shuffle(pool)
        # spread over the family's files and columns before repeating one
        seen: set[tuple[str, str, str]] = set()
        ordered = [c for c in pool if (table_key(c[0]), c[2], c[4]) not in seen
                   and not seen.add((table_key(c[0]), c[2], c[4]))]
        ordered += [c for c in pool if c not in ordered]
        taken = 0
        for cell in ordered:
            if taken == quota[family]:
                break
            new = mutate(root, cell, rng)
            if new is None or new == cell[3]:
                continue
            taken += 1
            out.append(Mutant(f"R{len(out) + 1:02d}", family, cell[0], cell[1], cell[2], cell[3], new, cell[4]))
    return out


# --- applying a mutant ------------------------------------------------------------------------------
def _set_cell(root: Path, rel: str, line: int, column: str, old: str, new: str) -> None:
    path = root / rel
    lines = path.read_text().split("\n")
    header_line = next(i for i, text in enumerate(lines) if text and not text.startswith("#"))
    header = lines[header_line].split("\t")
    fields = lines[line - 1].split("\t")
    col = header.index(column)
    if fields[col] != old:
        raise RuntimeError(f"{rel}:{line} {column}: expected {old!r}, found {fields[col]!r}")
    fields[col] = new
    lines[line - 1] = "\t".join(fields)
    path.write_text("\n".join(lines))


def apply(root: Path, m: Mutant, *, mode: str) -> list[str]:
    """Apply the mutant; return the files changed. mode 'cell': the one cell only; 'fact': also the
    fact's other copies in the gene's positions.tsv/definitions.tsv (a builder would write all)."""
    _set_cell(root, m.path, m.line, m.column, m.old, m.new)
    changed = {m.path}
    if mode == "fact":
        for rel, line, column, old, new in m.also:
            _set_cell(root, rel, line, column, old, new)
            changed.add(rel)
    return sorted(changed)


# columns whose value positions.tsv and definitions.tsv both hold for one (pos_grch38, ref)
SHARED = {"pos_grch38", "pos_grch37", "rsid", "alt", "chrom"}


def fact_copies(root: Path, m: Mutant) -> list:
    """The other cells that hold the same fact as the mutant's cell (same gene, same GRCh38 position
    and ref, same old value), in positions.tsv and definitions.tsv."""
    if m.family not in ("pharmacogenes/positions", "pharmacogenes/definitions") or m.column not in SHARED:
        return []
    folder = Path(m.path).parent
    _, rows = read_rows(root / m.path)
    row = dict(rows)[m.line]
    key = (row["pos_grch38"], row["ref"])
    out = []
    for table in ("positions.tsv", "definitions.tsv"):
        rel = (folder / table).as_posix()
        for line, other in read_rows(root / rel)[1]:
            if (other["pos_grch38"], other["ref"]) != key:
                continue
            if (rel, line) != (m.path, m.line) and other.get(m.column) == m.old:
                out.append((rel, line, m.column, m.old, m.new))
            if table == "positions.tsv" and m.column == "pos_grch38":
                # CPIC's own placement of the same variant (equal to POS for an SNV)
                if other.get("cpic_position") == m.old:
                    out.append((rel, line, "cpic_position", m.old, m.new))
                if m.old in other.get("hgvs", ""):
                    out.append((rel, line, "hgvs", other["hgvs"], other["hgvs"].replace(m.old, m.new)))
    return out


def refresh_manifest(root: Path, env: dict) -> None:
    subprocess.run([sys.executable, "tools/build_reference.py", "--manifest-only"], cwd=root, env=env,
                   check=True, capture_output=True, text=True)


def run_tests(root: Path, family: str, env: dict, timeout: float) -> tuple[str, str | None, float, str]:
    files = [f for f in FAMILY_TESTS[family] if (root / f.split("::")[0]).is_file()]
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-rfE",
                               "--no-header", *files], cwd=root, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", None, time.perf_counter() - start, ""
    elapsed = time.perf_counter() - start
    if proc.returncode == 0:
        return "survived", None, elapsed, proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", proc.stdout, flags=re.M)
    tail = "\n".join(proc.stdout.strip().splitlines()[-4:])
    return "killed", failed[0] if failed else f"pytest exit {proc.returncode}", elapsed, tail


def setup_scratch(scratch: Path, env: dict, commit: str) -> float:
    start = time.perf_counter()
    if scratch.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(scratch)], cwd=REPO, check=False)
        shutil.rmtree(scratch, ignore_errors=True)
    subprocess.run(["git", "worktree", "add", "--detach", str(scratch), commit], cwd=REPO, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-q"], cwd=scratch, env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def summarise(results: list[dict]) -> dict[str, dict]:
    table: dict[str, dict] = {}
    for r in results:
        row = table.setdefault(r["family"], {"mutants": 0, "killed": 0, "survived": 0, "surviving": []})
        row["mutants"] += 1
        if r["outcome"] == "killed":
            row["killed"] += 1
        else:
            row["survived"] += 1
            row["surviving"].append(f"{r['id']} {r['path'][len('reference/'):]}:{r['line']} {r['column']} "
                                    f"{r['old']!r} -> {r['new']!r}")
    return table


def markdown(table: dict[str, dict]) -> str:
    lines = ["| family | mutants | killed | survived | kill rate |", "|---|---:|---:|---:|---:|"]
    total = {"mutants": 0, "killed": 0, "survived": 0}
    for family in FAMILIES:
        if family not in table:
            continue
        row = table[family]
        for k in total:
            total[k] += row[k]
        lines.append(f"| {family} | {row['mutants']} | {row['killed']} | {row['survived']} | "
                     f"{100 * row['killed'] / row['mutants']:.0f}% |")
    lines.append(f"| **all** | {total['mutants']} | {total['killed']} | {total['survived']} | "
                 f"{100 * total['killed'] / max(total['mutants'], 1):.0f}% |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60, help="random mutants (stratified over the families)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/pgx-fact-mutants"))
    parser.add_argument("--only-ids", default="", help="comma-separated mutant ids to run (e.g. a re-run)")
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    parser.add_argument("--timeout", type=float, default=300.0, help="per-mutant pytest timeout, seconds")
    parser.add_argument("--mode", choices=["cell", "fact"], default="fact",
                        help="cell: change the one cell; fact: also the same fact's copies in the gene's "
                             "positions.tsv/definitions.tsv, so that only a source test, not the loader's "
                             "cross-table check, can kill it")
    parser.add_argument("--commit", default="HEAD", help="the commit whose tests judge the mutants")
    parser.add_argument("--label", default="", help="a name for this run in the JSON (e.g. before, after)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "fact_mutations.json")
    args = parser.parse_args(argv)

    mutants = fixed_mutants(REPO) + sample_mutants(REPO, args.n, args.seed)
    for m in mutants:
        m.also = fact_copies(REPO, m)
    if args.only_ids:
        wanted = set(args.only_ids.split(","))
        mutants = [m for m in mutants if m.id in wanted]
    if args.list:
        for m in mutants:
            print(f"{m.id}\t{m.family}\t{m.path}:{m.line}\t{m.column}\t{m.old!r} -> {m.new!r}\t+{len(m.also)} copies")
        return 0

    env = {k: v for k, v in os.environ.items() if k != "PGX_REFERENCE_DIR"}
    env["PYTHONPATH"] = str(args.scratch)
    t0 = time.perf_counter()
    setup_seconds = setup_scratch(args.scratch, env, args.commit)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=args.scratch, capture_output=True, text=True,
                            check=True).stdout.strip()
    print(f"scratch worktree {args.scratch} at {commit[:10]}, extensions built in {setup_seconds:.0f} s", flush=True)
    manifest = args.scratch / "reference" / "MANIFEST.json"
    manifest_bytes = manifest.read_bytes()

    results = []
    try:
        for m in mutants:
            touched = [m.path] + [a[0] for a in m.also]
            originals = {rel: (args.scratch / rel).read_bytes() for rel in touched}
            try:
                changed = apply(args.scratch, m, mode=args.mode)
                refresh_manifest(args.scratch, env)
                outcome, killer, seconds, tail = run_tests(args.scratch, m.family, env, args.timeout)
            finally:
                for rel, data in originals.items():
                    (args.scratch / rel).write_bytes(data)
                manifest.write_bytes(manifest_bytes)
            load_error = outcome == "killed" and "ReferenceDataError" in tail and not killer.startswith("tests/")
            results.append({**asdict(m), "cells_changed": 1 + (len(m.also) if args.mode == "fact" else 0),
                            "files_changed": changed, "outcome": outcome, "killed_by": killer,
                            "kill_kind": None if outcome != "killed" else ("loader consistency check" if load_error
                                                                           else "test assertion"),
                            "seconds": round(seconds, 1), "pytest_tail": tail})
            print(f"{m.id} {outcome:8s} {seconds:5.1f}s {m.path}:{m.line} {m.column} {m.old!r} -> {m.new!r}"
                  f" (+{len(m.also) if args.mode == 'fact' else 0} copies)  {killer or ''}", flush=True)
            # the scratch copy must be back to the commit after each mutant
            for rel, data in originals.items():
                if (args.scratch / rel).read_bytes() != data:
                    raise RuntimeError(f"{rel} not restored")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(args.scratch)], cwd=REPO, check=False)

    table = summarise(results)
    run = {"label": args.label or args.mode, "commit": commit, "mode": args.mode, "n_random": args.n, "seed": args.seed,
           "only_ids": args.only_ids, "family_tests": FAMILY_TESTS, "setup_seconds": round(setup_seconds, 1),
           "total_seconds": round(time.perf_counter() - t0, 1), "summary": table, "mutants": results}
    result = json.loads(args.out.read_text()) if args.out.exists() else {}
    if result.get("benchmark") != "fact_mutations" or "runs" not in result:
        result = {"benchmark": "fact_mutations", "runs": []}
    earlier = next((r for r in result["runs"] if r["label"] == run["label"]), None)
    if args.only_ids and earlier is not None:
        # a re-run of some mutants of an earlier run: their new outcomes replace the old ones
        rerun = {m["id"]: m for m in results}
        earlier["mutants"] = [{**rerun[m["id"]], "rerun": True} if m["id"] in rerun else m for m in earlier["mutants"]]
        earlier["summary"] = summarise(earlier["mutants"])
        earlier.setdefault("reruns", []).append({"only_ids": args.only_ids, "commit": commit,
                                                 "family_tests": FAMILY_TESTS, "total_seconds": run["total_seconds"]})
        table = earlier["summary"]
    else:
        result["runs"] = [r for r in result["runs"] if r["label"] != run["label"]] + [run]
    write_result(args.out, result)
    print(markdown(table))
    for family, row in table.items():
        for s in row["surviving"]:
            print(f"  survived [{family}] {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
