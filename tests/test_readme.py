"""The README's two set-up commands do what the README says they do.

The quick-start command is taken from the README itself (so a renamed example file or a changed
option breaks this test), minus its ``pip install .`` prefix: the test runs in the installed
environment. The test command must be the one `.ci/run` runs verbatim.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from pgxcli import run_pgx

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _bash_blocks() -> list[str]:
    return [line.strip() for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S)
            for line in block.splitlines() if line.strip()]


def test_quick_start_command_writes_an_html_report_per_sample(tmp_path):
    line = next(cmd for cmd in _bash_blocks() if cmd.startswith("pip install . && pgx "))
    argv = shlex.split(line.split("&&", 1)[1])
    assert argv[:2] == ["pgx", "report"], argv
    # paths in the README are relative to the checkout; the output folder is relative to the cwd
    args = [str(ROOT / a) if (ROOT / a).is_file() else a for a in argv[1:]]
    out = run_pgx(*args, "--quiet", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    outdir = tmp_path / argv[argv.index("-o") + 1]
    vcf = Path(args[1])
    header = next(ln for ln in vcf.read_text().splitlines() if ln.startswith("#CHROM"))
    samples = header.split("\t")[9:]
    assert len(samples) >= 2
    for sample in samples:
        html = (outdir / f"{sample}.html").read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>") and sample in html
        for section in ("Genes tested", "Drug recommendations", "Methods and limitations"):
            assert f"<h2>{section}" in html, (sample, section)
    # the README names the file a newcomer should open
    opened = re.search(r"Open `([^`]+\.html)`", README).group(1)
    assert (tmp_path / opened).is_file(), opened


def test_ci_runs_the_readme_test_command_verbatim():
    test_cmd = next(cmd for cmd in _bash_blocks() if "pytest" in cmd)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_cmd in [line.strip() for line in ci if not line.lstrip().startswith("#")]
