"""The HTML report: one self-contained, printable page per sample for clinicians.

No external assets: the CSS is inline, there is no script, font or image to fetch,
and every piece of text from the inputs goes through :func:`html.escape`.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

from pgx.report._base import (
    ACTION_GROUPS,
    ACTIONS,
    DrugResult,
    Format,
    GeneResult,
    ReportMeta,
    SampleReport,
    definitions_for,
    definitions_of,
    details_summary,
    drug_groups,
    format_score,
    gene_definitions,
)

__all__ = ["HtmlFormat", "WARNING_TEXT"]

#: plain-language reading of the warning codes of the calls table
WARNING_TEXT = {
    "not_called": "No diplotype could be called.",
    "ambiguous": "Several diplotypes fit the data equally well.",
    "missing_positions": "Positions that define alleles of this gene are missing from the input; "
                         "they were not assumed to be reference.",
    "novel_allele": "Variants were found that belong to no known allele of this gene.",
    "outside_call": "The diplotype was supplied by another tool (outside call), not called by pgx.",
    "outside_name_mapped": "An allele of the outside call was written in another form (a legacy star name, "
                           "an HGVS name without its alias, a sub-allele) and was read as the name shown.",
    "hla_tag_proxy": "Inferred from a tag SNP, not from HLA typing: it tells carriers of the tagged allele "
                     "only, and rare discordant haplotypes exist; confirm a positive result by HLA typing.",
    "assumed_reference": "Positions absent from the input were assumed to be reference (assume_reference).",
    "assumed_positions": "Assumed reference:",
    "no_match": "No pair of named alleles explains the genotypes.",
    "no_data_in_region": "The input has no record in this gene's region, so it was not assumed to be reference.",
    "duplicate_record": "The same record appears more than once; it was counted once. At:",
    "contradictory_records": "Records give different genotypes at the same position, so the gene was not "
                             "called. At:",
    "half_call": "A genotype with one allele missing (./1) allows one or two copies of the variant; every "
                 "diplotype either allows is listed. At:",
    "indel_not_placed": "An insertion or deletion was found that may be an allele's variant written at another "
                        "place in a repeat; the known reference bases cannot tell, so that position was treated "
                        "as not called. At:",
    "ref_mismatch": "A record's reference bases disagree with the reference the allele definitions use (another "
                    "genome build or a damaged file?); it was not used and that position was treated as not "
                    "called. At:",
    "novel_and_defined_allele": "A variant that belongs to no known allele was called together with an allele's "
                                "variant at the same position, so the gene was not called. At:",
    "polyploid_call": "A genotype with more than two alleles (triploid or more) has no diplotype, so the gene "
                      "was not called. At:",
    "undefined_allele": "A genotype named an alternate allele its record does not have; that allele was read as "
                        "not called. At:",
    "not_ruled_out": "Alleles not ruled out because positions that define them are missing:",
    "structural_alleles_not_assessed": "A VCF cannot show gene deletions, duplications or hybrids, so these "
                                       "structural alleles were not assessed (an outside call from copy-number "
                                       "or read-based typing can supply them):",
    "grch38_only_alleles": "Some alleles of this gene are defined on GRCh38 only and could not be called "
                           "from GRCh37 data.",
}

_CSS = """
:root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --avoid: #b42318; --adjust: #b54708;
        --monitor: #1d4ed8; --standard: #067647; --none: #57606a; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; line-height: 1.45;
       font-size: 15px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px 0; }
h2 { font-size: 20px; border-bottom: 2px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
h3 { font-size: 16px; margin: 18px 0 6px 0; }
header { border-bottom: 3px solid var(--ink); padding-bottom: 12px; }
.subtitle { color: var(--muted); margin: 0 0 12px 0; }
dl.meta { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 2px 16px; margin: 0; }
dl.meta dt { font-weight: 600; color: var(--muted); }
dl.meta dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px 0; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.group { border-left: 6px solid var(--none); padding-left: 12px; margin-bottom: 14px; }
.group-avoid { border-left-color: var(--avoid); }
.group-avoid h3 { color: var(--avoid); }
.group-adjust { border-left-color: var(--adjust); }
.group-adjust h3 { color: var(--adjust); }
.group-monitor { border-left-color: var(--monitor); }
.group-monitor h3 { color: var(--monitor); }
.group-standard { border-left-color: var(--standard); }
.group-standard h3 { color: var(--standard); }
.badge { display: inline-block; border: 1px solid var(--line); border-radius: 4px; padding: 0 5px;
         font-size: 12px; white-space: nowrap; }
.badge.disagree { border-color: var(--avoid); color: var(--avoid); font-weight: 600; }
tr.drug-first td { border-top: 2px solid var(--line); }
.not-called { color: var(--avoid); font-weight: 600; }
.muted { color: var(--muted); }
ul.plain { margin: 4px 0; padding-left: 20px; }
details.gene-details { margin: 4px 0; }
details.gene-details summary { cursor: pointer; }
table.positions td, table.positions th { padding: 2px 6px; font-size: 13px; }
td.st-variant { font-weight: 600; }
td.st-missing, td.st-not-placed, td.st-not-used, td.st-novel-allele { color: var(--avoid); }
footer { margin-top: 28px; border-top: 1px solid var(--line); padding-top: 8px; color: var(--muted);
         font-size: 13px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; }
  tr, .group h3, dl.meta { break-inside: avoid; }
  thead { display: table-header-group; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


@lru_cache(maxsize=1 << 16)
def _escape_text(value: str) -> str:
    return escape(value, quote=True)


def _e(value: object) -> str:
    # recommendation texts repeat across a cohort's reports: escape each text once
    return _escape_text("" if value is None else str(value))


def _or_dash(value: object) -> str:
    return "&#8212;" if value is None or value == "" else _e(value)


def _score(value: float | None) -> str:
    if value is None:
        return "&#8212;"
    return _e(format_score(value))


def _functions(gene: GeneResult) -> str:
    parts = [f for f in (gene.function_1, gene.function_2) if f]
    return _e(" / ".join(parts)) if parts else "&#8212;"


_NOTE_WIDTH = 80  # a longer "code: detail" note shows its count here, in full under "Not called or uncertain"


def _short_note(warning: str) -> str:
    """A warning for the genes table: the code in words, with its detail when short, else how many
    items the detail lists (the full text is in the "Not called or uncertain" section)."""
    code, _, detail = warning.partition(": ")
    words = _e(code.replace("_", " "))
    if not detail:
        return words
    if len(detail) <= _NOTE_WIDTH:
        return f"{words}: {_e(detail)}"
    count = len([part for part in detail.split("; " if "; " in detail else ", ") if part])
    return f"{words} ({count}, listed under \"Not called or uncertain\")"


@lru_cache(maxsize=1 << 14)
def _gene_row(g: GeneResult) -> str:
    # a cohort repeats gene results (shared objects): each row is rendered once
    diplotype = (_e(g.diplotype) if g.called
                 else '<span class="not-called">not called</span>')
    notes = ", ".join(_short_note(w) for w in g.warnings) or ""
    return (f"<tr><td>{_e(g.gene)}</td><td>{diplotype}</td><td>{_or_dash(g.phenotype)}</td>"
            f'<td class="num">{_score(g.activity_score)}</td><td>{_functions(g)}</td><td>{notes}</td></tr>\n')


def _genes_section(report: SampleReport) -> str:
    return (
        '<section id="genes"><h2>Genes tested</h2>\n'
        '<table id="genes-table"><thead><tr><th>Gene</th><th>Diplotype</th><th>Phenotype</th>'
        "<th>Activity score</th><th>Allele functions</th><th>Notes</th></tr></thead><tbody>\n"
        + "".join(map(_gene_row, report.genes)) + "</tbody></table></section>\n"
    )


def _phenotypes(drug: DrugResult) -> str:
    shown = drug.effective_phenotypes if drug.phenoconverted else drug.phenotypes
    text = "<br>".join(_e(p) for p in shown) or "&#8212;"
    if drug.phenoconverted:
        text += ' <span class="badge">phenoconverted</span>'
    return text


def _source(drug: DrugResult) -> str:
    text = _e(drug.source)
    if drug.guideline_version:
        text += f'<div class="muted">{_e(drug.guideline_version)}</div>'
    return text


@lru_cache(maxsize=1 << 14)
def _source_cells(d: DrugResult) -> str:
    """One source's cells of a drug's block (the drug cell is written once per drug)."""
    return (
        f'<td>{_source(d)}</td><td class="action-{_e(d.action)}">{_e(d.action.replace("_", " "))}</td>'
        f"<td>{_e(d.classification)}</td><td>{_phenotypes(d)}</td>"
        f"<td>{_e(d.recommendation)}"
        + (f'<div class="muted">{_e(d.implication)}</div>' if d.implication else "")
        + ('<div class="muted">The possible diplotypes, or a gene that is not called, lead to different advice: the most cautious action is shown, each possibility is listed.</div>'
           if d.ambiguous else "") + "</td>"
    )


def _drug_block(drug: str, rows: tuple[DrugResult, ...]) -> str:
    """A drug and each source's row side by side; a badge when the sources disagree."""
    badge = (' <span class="badge disagree">sources disagree</span>' if any(r.sources_disagree for r in rows) else "")
    head = (f'<tr class="drug-first{" disagree" if badge else ""}"><td rowspan="{len(rows)}">'
            f"<strong>{_e(drug)}</strong>{badge}</td>")
    return "".join((head if i == 0 else "<tr>") + _source_cells(r) + "</tr>\n" for i, r in enumerate(rows))


def _recommendations_section(report: SampleReport) -> str:
    parts = ['<section id="recommendations"><h2>Drug recommendations</h2>\n']
    if not report.drugs:
        parts.append('<p class="muted">No drug recommendations were requested or found.</p>\n')
    else:
        parts.append('<p class="muted">Grouped by drug: each guideline source (CPIC, DPWG, FDA) has its own row; '
                     "a drug sits under the most urgent action any source gives it, and is marked where one source "
                     "says avoid or another drug while another says standard dosing.</p>\n")
    groups = drug_groups(report.drugs)
    for group_id, heading, actions in ACTION_GROUPS:
        members = [(drug, rows) for drug, rows in groups
                   if min((r.action for r in rows), key=ACTIONS.index) in actions]
        if not members:
            continue
        parts.append(
            f'<div class="group group-{group_id}" id="group-{group_id}">'
            f"<h3>{_e(heading)} ({len(members)})</h3>\n"
            "<table><thead><tr><th>Drug</th><th>Source</th><th>Action</th><th>Strength</th><th>Phenotype</th>"
            "<th>Recommendation</th></tr></thead><tbody>\n" + "".join(_drug_block(d, rows) for d, rows in members)
            + "</tbody></table></div>\n"
        )
    parts.append("</section>\n")
    return "".join(parts)


def _tmb_text(value: float | None) -> str:
    return "&#8212;" if value is None else f"{value:.1f} mutations/Mb"


def _model_section(report: SampleReport) -> str:
    """A trained model's prediction for the patient and the features that pushed it most."""
    model = report.model
    if model is None:
        return ""
    shown = f"{model.prediction:.1%}" if model.scale == "probability" else f"{model.prediction:.2f}"
    what = "Predicted probability" if model.scale == "probability" else "Predicted dose"
    rows = "".join(f"<tr><td>{_e(c.feature)}</td><td>{_e(c.value)}</td><td>{c.contribution:+.3f}</td></tr>\n"
                   for c in model.contributions)
    scale = "log-odds" if model.scale == "probability" else "dose units"
    return (
        '<section id="model"><h2>Model prediction</h2>\n<dl class="meta" id="model-summary">'
        f"<dt>Model</dt><dd>{_e(model.model)} ({_e(model.estimator)})</dd>"
        f'<dt>{what}</dt><dd id="model-prediction">{shown}</dd></dl>\n'
        f"<h3>What pushed it most</h3>\n"
        '<table id="model-contributions"><thead><tr><th>Feature</th><th>Value</th>'
        f"<th>Contribution ({scale})</th></tr></thead><tbody>\n{rows}</tbody></table>\n"
        '<p class="muted">A statistical estimate learned from other patients, explained by TreeSHAP; '
        "it does not replace the guideline recommendations above.</p>\n</section>\n")


def _by_alteration(matches: list) -> list[list]:
    """Consecutive matches of one alteration (gene and alteration), in order."""
    groups: list[list] = []
    for m in matches:
        if groups and (groups[-1][0].gene, groups[-1][0].alteration) == (m.gene, m.alteration):
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


def _alteration_group(group: list) -> str:
    """One alteration's therapies: a tbody whose first row names the gene and alteration for all."""
    first = group[0]
    span = f' rowspan="{len(group)}"' if len(group) > 1 else ""
    locus = f'<div class="muted">{_e(first.locus)}</div>' if first.locus else ""
    rows = []
    for n, m in enumerate(group):
        head = (f"<th{span} scope=\"rowgroup\">{_e(m.gene)}</th><td{span}>{_e(m.alteration)}{locus}</td>"
                if n == 0 else "")
        dated = f" &#183; {_e(m.source_date)}" if m.source_date else ""
        scope = {"subtype": " (a subtype)", "off_label": " (another tumour type)"}.get(m.scope, "")
        rows.append(f"<tr>{head}<td>{_e(m.therapy)}</td><td>{_or_dash(m.tier)}</td>"
                    f"<td>{_or_dash(m.evidence_level)}<div class=\"muted\">{_or_dash(m.source)}{dated}</div></td>"
                    f"<td>{_e(m.tumor_type)}{scope}</td><td>{_e(m.match_type)}</td></tr>\n")
    return '<tbody class="alteration">\n' + "".join(rows) + "</tbody>\n"


def _tumor_section(report: SampleReport) -> str:
    """Therapy matches of the tumour, TMB and MSI, and the germline guidance of the
    chemotherapy the tumour type commonly uses."""
    tumor = report.tumor
    if tumor is None:
        return ""
    parts = [
        '<section id="tumour"><h2>Tumour biomarkers</h2>\n<dl class="meta" id="tumour-summary">'
        f"<dt>Tumour type</dt><dd>{_e(tumor.tumor_type)}</dd>"
        f'<dt>TMB</dt><dd id="tumour-tmb">{_tmb_text(tumor.tmb)}</dd>'
        f'<dt>MSI</dt><dd id="tumour-msi">{_or_dash(tumor.msi)}</dd></dl>\n'
    ]
    for table_id, heading, resistance in (("tumour-therapies", "Therapy matches", False),
                                          ("tumour-resistance", "Resistance markers", True)):
        rows = [m for m in tumor.matches if m.resistance is resistance]
        if not rows and resistance:
            continue
        parts.append(f"<h3>{heading} ({len(rows)})</h3>\n")
        if not rows:
            parts.append('<p class="muted">No biomarker in the tumour matched a therapy for this tumour type.</p>\n')
            continue
        parts.append(
            f'<table id="{table_id}"><thead><tr><th>Gene</th><th>Alteration</th><th>Therapy</th><th>Tier</th>'
            "<th>Evidence</th><th>For tumour type</th><th>Matched by</th></tr></thead>\n"
            + "".join(_alteration_group(group) for group in _by_alteration(rows))
            + "</table>\n")
    if tumor.toxicity:
        rows = []
        for link in tumor.toxicity:
            guidance = [d for d in report.drugs if d.drug == link.drug]
            text = "<br>".join(
                f"{_e(d.source)}: <strong>{_e(d.action.replace('_', ' '))}</strong> &#8212; "
                f"{_e(d.recommendation)}" for d in guidance
            ) or '<span class="muted">not assessed in this report (drug not requested)</span>'
            rows.append(f"<tr><td>{_e(link.drug)}</td><td>{_or_dash(link.regimen)}</td>"
                        f"<td>{_e(', '.join(link.genes))}</td><td>{_or_dash(link.toxicity)}</td><td>{text}</td></tr>\n")
        parts.append(
            "<h3>Germline risks of this tumour type's chemotherapy</h3>\n"
            '<table id="tumour-germline"><thead><tr><th>Drug</th><th>Regimens</th><th>Genes</th><th>Risk</th>'
            "<th>This patient's germline guidance</th></tr></thead><tbody>\n" + "".join(rows) + "</tbody></table>\n")
    parts.append("</section>\n")
    return "".join(parts)


def _missing_text(gene: GeneResult, details: tuple | None) -> str:
    """How many positions are missing, pointing at the gene's details table (or, without one,
    the positions in a collapsed list), instead of every position inline."""
    count = len(gene.missing_positions)
    if details is not None:
        return (f' Missing: {count} of {len(details)} definition positions (see '
                f'<a href="#details-{_e(gene.gene)}">allele-matching details</a>).')
    return (f' <details class="gene-details"><summary>Missing: {count} position{"" if count == 1 else "s"}</summary>'
            + _e(", ".join(gene.missing_positions)) + "</details>")


def _gene_issues(gene: GeneResult, details: tuple | None = None) -> list[str]:
    """The gene's warnings in words; ``details``: its definition positions, when the report
    has its allele-matching details table (missing and assumed positions are then counted
    and linked, not listed)."""
    issues = []
    for warning in gene.warnings:
        # "code: detail" warnings name the positions (or alleles) they are about
        code, _, detail = warning.partition(": ")
        text = _e(WARNING_TEXT.get(code, code.replace("_", " ")))
        if code == "assumed_positions" and details is not None:
            # the details table lists them with their status
            text += (f" {len(detail.split(', '))} positions (see "
                     f'<a href="#details-{_e(gene.gene)}">allele-matching details</a>).')
        elif detail:
            text += " " + _e(detail) + ("" if detail.endswith(".") else ".")
        if warning == "ambiguous" and gene.alternatives:
            text += " Also possible: " + _e(", ".join(gene.alternatives)) + "."
        if warning == "missing_positions" and gene.missing_positions:
            text += _missing_text(gene, details)
        if warning == "novel_allele" and gene.novel_positions:
            text += " At: " + _e(", ".join(gene.novel_positions)) + "."
        issues.append(text)
    if not gene.called and "not_called" not in gene.warnings:
        issues.insert(0, _e(WARNING_TEXT["not_called"]))
    if gene.missing_positions and "missing_positions" not in gene.warnings:
        issues.append(_e(WARNING_TEXT["missing_positions"]) + _missing_text(gene, details))
    return issues


def _not_called_section(report: SampleReport) -> str:
    items = []
    for gene in report.genes:
        issues = _gene_issues(gene, gene_definitions(gene, report.meta))
        if issues:
            status = "not called" if not gene.called else _e(gene.diplotype)
            items.append(f"<li><strong>{_e(gene.gene)}</strong> ({status}): " + " ".join(issues) + "</li>")
    body = ('<ul class="plain">' + "\n".join(items) + "</ul>") if items else (
        '<p class="muted">Every gene tested was called without ambiguity or missing positions.</p>')
    return f'<section id="not-called"><h2>Not called or uncertain</h2>\n{body}</section>\n'


@lru_cache(maxsize=256)
def _position_cells(gene: str, genome_build: str, reference_dir: str | None) -> tuple[str, ...]:
    """Per definition position of ``gene``, the cells every sample's table shares (position,
    rsID, the definitions' changes and the named alleles carrying them)."""
    return tuple(f"<tr><td>{d.position}</td><td>{_or_dash(d.rsid)}</td>"
                 f"<td>{_e(', '.join(d.variants))}</td><td>{_or_dash(', '.join(d.alleles))}</td>"
                 for d in definitions_of(gene, genome_build, reference_dir) or ())


@lru_cache(maxsize=1 << 12)
def _call_cells(genotype: str | None, status: str) -> str:
    shown = "missing" if genotype is None else _e(genotype)
    # only the statuses to look at are styled (a table has up to hundreds of rows per gene)
    marked = "" if status in ("reference", "assumed reference") else f' class="st-{status.replace(" ", "-")}"'
    return f"<td>{shown}</td><td{marked}>{_e(status)}</td></tr>\n"


def _details_block(gene: GeneResult, meta: ReportMeta) -> str:
    if gene.position_genotypes is None:
        return ""
    return _details_html(gene, meta.genome_build, meta.reference_dir)


@lru_cache(maxsize=1 << 14)
def _details_html(gene: GeneResult, genome_build: str, reference_dir: str | None) -> str:
    # a cohort repeats gene results (shared objects): each table is rendered once
    definitions = definitions_for(gene, genome_build, reference_dir)
    if definitions is None:
        return ""
    status = gene.position_status
    rows = "".join(cells + _call_cells(g or None, st) for cells, g, st in
                   zip(_position_cells(gene.gene, genome_build, reference_dir), gene.position_genotypes, status))
    chrom = _e(definitions[0].chrom) if definitions else ""
    return (f'<details class="gene-details" id="details-{_e(gene.gene)}"><summary>'
            f"{_e(details_summary(gene.gene, status))}</summary>\n"
            f'<table class="positions"><thead><tr><th>Position ({chrom})</th><th>rsID</th><th>Definitions (REF&gt;ALT)</th>'
            "<th>Named alleles</th><th>Genotype in the input</th><th>Status</th></tr></thead><tbody>\n"
            + rows + "</tbody></table></details>\n")


def _details_section(report: SampleReport) -> str:
    blocks = "".join(_details_block(g, report.meta) for g in report.genes)
    if not blocks:
        return ""
    return (
        '<section id="details"><h2>Allele-matching details</h2>\n'
        "<p class=\"muted\">Per gene, every position the allele definitions use "
        f"({_e(report.meta.genome_build)}, 1-based): the changes the definitions name there, the "
        "named alleles that carry them, the sample's genotype as the input writes it (&#8220;missing&#8221; "
        "where it has no record) and how the call used it. Open a gene to see its table.</p>\n"
        + blocks + "</section>\n")


def _phenoconversion_section(report: SampleReport) -> str:
    items = []
    for d in report.drugs:
        if not d.phenoconverted:
            continue
        change = "; ".join(
            f"{_e(before)} &#8594; {_e(after)}" if before != after else _e(before)
            for before, after in zip(d.phenotypes, d.effective_phenotypes)
        ) if len(d.phenotypes) == len(d.effective_phenotypes) else (
            _e(", ".join(d.phenotypes)) + " &#8594; " + _e(", ".join(d.effective_phenotypes)))
        reasons = (" Reason: " + _e("; ".join(d.reasons)) + ".") if d.reasons else ""
        items.append(f"<li><strong>{_e(d.drug)}</strong> ({_e(d.source)}): {change}.{reasons}</li>")
    body = ('<ul class="plain">' + "\n".join(items) + "</ul>") if items else (
        '<p class="muted">No co-medication changed a genotype-predicted phenotype.</p>')
    return (
        '<section id="phenoconversion"><h2>Phenoconversion</h2>\n'
        "<p>Where a co-medication changes how a gene product works, recommendations use the "
        "effective phenotype instead of the one predicted from the genotype.</p>\n" + body + "</section>\n"
    )


def _reads_methods(report: SampleReport) -> str:
    genes = [g.gene for g in report.genes if "called_from_reads" in g.warnings]
    if not genes:
        return ""
    return (
        f'<p id="methods-reads">{_e(", ".join(genes))} {"was" if len(genes) == 1 else "were"} called from the '
        "aligned reads (BAM/CRAM), not from the variant file: copy number along the gene and its paralog from "
        "read depth against copy-number-neutral control regions, the structure (deletion, duplication, hybrid) "
        "that best fits that profile, and star alleles assigned to the gene copies from read counts at the "
        "definition positions. That call replaces any call from the variant file; when the reads could not "
        "support a call the gene is reported as Indeterminate with the reason.</p>\n"
    )


def _methods_section(report: SampleReport) -> str:
    m = report.meta
    return (
        '<section id="methods"><h2>Methods and limitations</h2>\n'
        + _reads_methods(report) +
        "<p>Star-allele diplotypes were called by pgx from the variants in the input file by "
        "matching them against the allele definitions of the reference data; positions absent from "
        "the input are treated as unknown, never as reference. Phenotypes follow the CPIC "
        "function and activity-score rules of the same reference data, and drug recommendations "
        "the CPIC and DPWG guidance it contains.</p>\n"
        "<p>Limitations: only the variants present in the input are assessed, so rare or novel "
        "alleles and structural variants (gene deletions, duplications, hybrids) are not detected "
        "unless supplied as outside calls. Unphased genotypes can fit several diplotypes. A normal "
        "result does not exclude reduced response for other reasons. This report supports, and does "
        "not replace, clinical judgement.</p>\n"
        '<table id="versions"><tbody>'
        f"<tr><th>pgx version</th><td>{_e(m.pgx_version)}</td></tr>"
        f"<tr><th>Reference data version</th><td>{_e(m.reference_version)}</td></tr>"
        f"<tr><th>Genome build</th><td>{_e(m.genome_build_text)}</td></tr>"
        f"<tr><th>Input file</th><td>{_or_dash(m.input_name)}</td></tr>"
        f"<tr><th>Run date</th><td>{_e(m.run_date_text)}</td></tr>"
        + (f'<tr><th>Audit chain head</th><td id="audit-chain-head"><code>{_e(m.audit_chain_head)}</code>'
           "</td></tr>" if m.audit_chain_head else "")
        + "</tbody></table></section>\n"
    )


class HtmlFormat(Format):
    """A self-contained, printable HTML page per sample.

    Sections (each a ``<section>`` with a stable id): ``genes`` (diplotype, phenotype,
    activity score), ``recommendations`` grouped by action (avoid; adjust dose or
    consider an alternative; monitor; standard; no recommendation) with source and
    strength, ``not-called`` (what was not called and why), ``details`` (per gene, a
    collapsed table of every definition position with the sample's genotype there and its
    status), ``phenoconversion`` and ``methods`` (limitations and the versions used).

    Examples
    --------
    >>> import datetime
    >>> import polars as pl
    >>> from pgx.report import HtmlFormat, ReportMeta
    >>> calls = pl.DataFrame({"sample_id": ["<S1>"], "gene": ["CYP2C19"], "diplotype": ["*2/*2"],
    ...                       "phenotype": ["Poor Metabolizer"]})
    >>> meta = ReportMeta(reference_version="2025-03", genome_build="GRCh38",
    ...                   run_date=datetime.date(2026, 1, 31))
    >>> page = HtmlFormat().render("<S1>", calls, None, meta)
    >>> page.startswith("<!DOCTYPE html>"), "&lt;S1&gt;" in page, "<S1>" in page
    (True, True, False)
    """

    name = "html"
    suffix = ".html"

    def render_report(self, report: SampleReport) -> str:
        m = report.meta
        called = sum(g.called for g in report.genes)
        actionable = sum(d.action not in ("standard", "no_recommendation") for d in report.drugs)
        header = (
            '<header id="report-header"><h1>Pharmacogenomic report</h1>\n'
            '<p class="subtitle">Genotype-guided drug recommendations</p>\n'
            '<dl class="meta">'
            f'<dt>Sample</dt><dd id="sample-id">{_e(report.sample_id)}</dd>'
            f"<dt>Run date</dt><dd>{_e(m.run_date_text)}</dd>"
            f"<dt>Input file</dt><dd>{_or_dash(m.input_name)}</dd>"
            f"<dt>Genome build</dt><dd>{_e(m.genome_build_text)}</dd>"
            f"<dt>pgx version</dt><dd>{_e(m.pgx_version)}</dd>"
            f"<dt>Reference data</dt><dd>{_e(m.reference_version)}</dd>"
            "</dl>\n"
            f'<p id="summary">{len(report.genes)} genes tested, {called} called; '
            f"{len(report.drugs)} drug recommendations, {actionable} needing action.</p>"
            "</header>\n"
        )
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>Pharmacogenomic report: {_e(report.sample_id)}</title>\n"
            f"<style>{_CSS}</style>\n</head>\n<body>\n"
            + header
            + "<main>\n"
            + _genes_section(report)
            + _recommendations_section(report)
            + _tumor_section(report)
            + _model_section(report)
            + _not_called_section(report)
            + _details_section(report)
            + _phenoconversion_section(report)
            + _methods_section(report)
            + "</main>\n"
            + f'<footer id="report-footer">Generated by pgx {_e(m.pgx_version)} with reference data '
            f"{_e(m.reference_version)} ({_e(m.genome_build)}) on {_e(m.run_date_text)}.</footer>\n"
            "</body>\n</html>\n"
        )
