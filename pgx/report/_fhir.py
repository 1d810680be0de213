"""The FHIR R4 report: a Bundle following the HL7 Genomics Reporting IG 3.0.0 (STU3).

Per called gene a *genotype* Observation (LOINC 84413-4) derived from two *haplotype*
Observations (84414-2); per drug recommendation a *therapeutic-implication*
Observation carrying the (effective) phenotype and the drug, and a
*medication-recommendation* Task; one *genomic-report* DiagnosticReport (51969-4)
grouping them. Resources reference each other by ``urn:uuid:`` full URLs; the uuids
are derived from the sample, gene, drug and source, so a rerun writes the same bundle.

The codes, systems and profile URLs live in ``pgx/report/schema/fhir_terminology.json``
with their source. :func:`check_fhir_bundle` checks the profile rules pgx relies on;
:class:`FhirFormat` also validates every bundle with the ``fhir.resources`` R4B models.
"""

from __future__ import annotations

import json
import re
import uuid
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator

from pgx.exceptions import PgxError
from pgx.recommend import guidelines
from pgx.reference import gene_ids
from pgx.report._base import DrugResult, Format, GeneResult, ReportError, SampleReport, format_score

__all__ = ["FhirFormat", "MissingDependencyError", "check_fhir_bundle", "fhir_bundle", "fhir_terminology"]

#: system of the DiagnosticReport ``meta.tag`` carrying the audit chain head
AUDIT_CHAIN_HEAD_SYSTEM = "urn:pgx:audit-chain-head"
_NAMESPACE = uuid.UUID("6f1c8f0e-4a4b-5c7e-9a51-0c1f2d3e4b5a")
_UUID_URL = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HGNC = re.compile(r"^HGNC:[0-9]+$")


class MissingDependencyError(PgxError, ImportError):
    """An optional dependency a feature needs is not installed.

    Examples
    --------
    >>> isinstance(MissingDependencyError("x"), ImportError)
    True
    """

    __module__ = "pgx.report"


@lru_cache(maxsize=1)
def _terminology_text() -> str:
    return resources.files("pgx.report").joinpath("schema", "fhir_terminology.json").read_text(encoding="utf-8")


def fhir_terminology() -> dict[str, Any]:
    """The codes, systems and profiles the FHIR format uses, with their source.

    Returns
    -------
    dict
        A fresh copy of ``pgx/report/schema/fhir_terminology.json``.

    Examples
    --------
    >>> terms = fhir_terminology()
    >>> terms["codes"]["genotype"], terms["codes"]["haplotype"]
    (['loinc', '84413-4', 'Genotype display name'], ['loinc', '84414-2', 'Haplotype name'])
    """
    return json.loads(_terminology_text())


@lru_cache(maxsize=1)
def _terms() -> dict[str, Any]:
    return fhir_terminology()


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


def _ref(resource_id: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id}"}


def _coding(key: str) -> dict[str, str]:
    system, code, display = _terms()["codes"][key]
    return {"system": _terms()["systems"][system], "code": code, "display": display}


def _concept(key: str) -> dict[str, Any]:
    return {"coding": [_coding(key)]}


def _categories() -> list[dict[str, Any]]:
    return [_concept("laboratory"), _concept("genetics")]


def _phenotype_concept(text: str) -> dict[str, Any]:
    """A phenotype string (``"CYP2D6: Poor Metabolizer"`` or ``"Poor Metabolizer"``)."""
    bare = text.split(":", 1)[1] if ":" in text else text
    known = _terms()["phenotypes"].get(bare.strip().lower())
    concept: dict[str, Any] = {"text": text}
    if known:
        concept["coding"] = [{"system": _terms()["systems"]["loinc"], "code": known[0], "display": known[1]}]
    return concept


def _observation(resource_id: str, profile: str, code_key: str, report: SampleReport,
                 ids: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": resource_id,
        "meta": {"profile": [_terms()["profiles"][profile]]},
        "status": "final",
        "category": _categories(),
        "code": _concept(code_key),
        "subject": _ref(ids["patient"]),
        "effectiveDateTime": report.meta.run_date_text,
        "device": _ref(ids["device"]),
    }


@lru_cache(maxsize=64)
def _gene_concept(gene: str) -> dict[str, Any]:
    """The gene-studied value: the HGNC id where the reference data has one, and the symbol."""
    try:
        hgnc = gene_ids(gene)["hgnc_id"]
    except PgxError:
        return {"text": gene}
    return {"coding": [{"system": _terms()["systems"]["hgnc"], "code": hgnc, "display": gene}], "text": gene}


@lru_cache(maxsize=1)
def _rxnorm_codes() -> dict[str, str]:
    """Drug name -> RxNorm concept id, from the guideline tables (every source's rows)."""
    table = guidelines()
    return {d: r for d, r in zip(table["drug"].to_list(), table["rxnorm"].to_list()) if r}


def _medication_concept(drug: str) -> dict[str, Any]:
    """The medication-assessed value: the RxNorm concept where the guideline tables have one."""
    rxnorm = _rxnorm_codes().get(drug)
    if rxnorm is None:
        return {"text": drug}
    return {"coding": [{"system": _terms()["systems"]["rxnorm"], "code": rxnorm, "display": drug}], "text": drug}


def _gene_components(gene: str, build: str) -> list[dict[str, Any]]:
    code, display = _terms()["genome_builds"][build]
    return [
        {"code": _concept("gene_studied"), "valueCodeableConcept": _gene_concept(gene)},
        {"code": _concept("reference_assembly"),
         "valueCodeableConcept": {"coding": [{"system": _terms()["systems"]["loinc"], "code": code,
                                              "display": display}]}},
    ]


def _conclusion(text: str) -> dict[str, Any]:
    return {"code": _concept("conclusion_string"), "valueString": text}


def _gene_note(gene: GeneResult) -> str:
    parts = [f"Phenotype: {gene.phenotype or 'not determined'}."]
    if gene.activity_score is not None:
        parts.append(f"Activity score: {format_score(gene.activity_score)}.")
    functions = [f for f in (gene.function_1, gene.function_2) if f]
    if functions:
        parts.append(f"Allele functions: {' / '.join(functions)}.")
    if gene.alternatives:
        parts.append(f"Also possible: {', '.join(gene.alternatives)}.")
    if gene.missing_positions:
        parts.append(f"Positions missing from the input: {', '.join(gene.missing_positions)}.")
    if gene.warnings:
        parts.append(f"Warnings: {', '.join(gene.warnings)}.")
    return " ".join(parts)


def _drug_note(drug: DrugResult) -> str:
    parts = []
    if drug.implication:
        parts.append(drug.implication)
    if drug.phenoconverted:
        parts.append(f"Genotype-predicted phenotype {', '.join(drug.phenotypes)}; effective phenotype "
                     f"{', '.join(drug.effective_phenotypes)}"
                     + (f" ({'; '.join(drug.reasons)})." if drug.reasons else "."))
    source = f"{drug.source} {drug.guideline_version}" if drug.guideline_version else drug.source
    parts.append(f"Source: {source}; strength: {drug.classification}.")
    if drug.ambiguous:
        parts.append("The possible diplotypes, or a gene that is not called, lead to different advice: the most cautious action is shown, each possibility is listed.")
    if drug.sources_disagree:
        parts.append("Guideline sources disagree for this drug: one says avoid or another drug, another standard dosing; "
                     "compare the other sources' implications for it.")
    return " ".join(parts)


def _biomarker(resource_id: str, code_key: str, report: SampleReport, ids: dict[str, str]) -> dict[str, Any]:
    """A molecular-biomarker Observation (TMB, MSI) without its value."""
    obs = _observation(resource_id, "molecular_biomarker", code_key, report, ids)
    obs["category"] = [_concept("laboratory"), _concept("biomarker_category"), _concept("genetics")]
    obs["component"] = [{"code": _concept("biomarker_category"), "valueCodeableConcept": _concept("molgen")}]
    return obs


def _tumor_observations(report: SampleReport, ids: dict[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
    """TMB (94076-7) and MSI (81695-9) Observations, and conclusion sentences on the tumour."""
    tumor = report.tumor
    if tumor is None:
        return [], []
    terms, sid = _terms(), report.sample_id
    out = []
    if tumor.tmb is not None:
        obs = _biomarker(_uuid(sid, "tmb"), "tmb", report, ids)
        obs["valueQuantity"] = {"value": round(tumor.tmb, 4), "unit": "mutations/Mb",
                                "system": terms["systems"]["ucum"], "code": terms["tmb_unit"]}
        out.append(obs)
    if tumor.msi is not None:
        obs = _biomarker(_uuid(sid, "msi"), "msi", report, ids)
        answer = terms["msi_answers"].get(tumor.msi.upper())
        value: dict[str, Any] = {"text": tumor.msi}
        if answer:
            value["coding"] = [{"system": terms["systems"]["loinc"], "code": answer[0], "display": answer[1]}]
        obs["valueCodeableConcept"] = value
        out.append(obs)
    sensitive = [m for m in tumor.matches if not m.resistance]
    resistant = [m for m in tumor.matches if m.resistance]
    text = [f"Tumour ({tumor.tumor_type}): {len(sensitive)} therapy match(es)"
            + (": " + "; ".join(f"{m.gene} {m.alteration} -> {m.therapy} ({m.tier or 'no tier'})" for m in sensitive)
               if sensitive else "")
            + ("; resistance: " + "; ".join(f"{m.gene} {m.alteration} -> {m.therapy}" for m in resistant)
               if resistant else "") + "."]
    return out, text


def fhir_bundle(report: SampleReport) -> dict[str, Any]:
    """Build the FHIR Bundle (a JSON-ready dict) of one sample's report.

    Not-called genes get no genotype Observation (the profile requires a value) and
    are listed in the DiagnosticReport's conclusion; a recommendation none of whose
    genes was called gets no implication or Task. ``no_recommendation`` rows get an
    implication but no Task.
    """
    sid = report.sample_id
    meta = report.meta
    ids = {"patient": _uuid(sid, "Patient"), "device": _uuid(sid, "Device"),
           "report": _uuid(sid, "DiagnosticReport"), "bundle": _uuid(sid, "Bundle")}
    resources_: list[dict[str, Any]] = []
    results: list[dict[str, str]] = []
    genotype_ids: dict[str, str] = {}
    not_called: list[str] = []
    for gene in report.genes:
        if not gene.called:
            reason = ", ".join(w for w in gene.warnings if w != "not_called")
            not_called.append(f"{gene.gene} ({reason})" if reason else gene.gene)
            continue
        haplotype_refs = []
        for index, haplotype in ((1, gene.haplotype_1), (2, gene.haplotype_2)):
            if haplotype is None:
                continue
            hid = _uuid(sid, "haplotype", gene.gene, str(index))
            obs = _observation(hid, "haplotype", "haplotype", report, ids)
            obs["valueCodeableConcept"] = {"text": f"{gene.gene} {haplotype}"}
            obs["component"] = _gene_components(gene.gene, meta.genome_build)
            resources_.append(obs)
            haplotype_refs.append(_ref(hid))
        gid = _uuid(sid, "genotype", gene.gene)
        obs = _observation(gid, "genotype", "genotype", report, ids)
        obs["valueCodeableConcept"] = {"text": f"{gene.gene} {gene.diplotype}"}
        obs["component"] = _gene_components(gene.gene, meta.genome_build) + [_conclusion(_gene_note(gene))]
        if haplotype_refs:
            obs["derivedFrom"] = haplotype_refs
        resources_.insert(len(resources_) - len(haplotype_refs), obs)
        genotype_ids[gene.gene] = gid
        results.append(_ref(gid))
        results.extend(haplotype_refs)

    tasks: list[dict[str, Any]] = []
    skipped: list[str] = []
    for drug in report.drugs:
        derived = [_ref(genotype_ids[g]) for g in drug.genes if g in genotype_ids]
        if not derived:
            skipped.append(f"{drug.drug} ({drug.source})")
            continue
        # DPWG gives one guideline per gene of a drug: the genes keep the ids apart
        iid = _uuid(sid, "implication", drug.drug, drug.source, *drug.genes)
        obs = _observation(iid, "therapeutic_implication", "therapeutic_implication", report, ids)
        obs["derivedFrom"] = derived
        components = [{"code": _concept("therapeutic_implication"), "valueCodeableConcept": _phenotype_concept(p)}
                      for p in drug.effective_phenotypes]
        components += [{"code": _concept("predicted_phenotype"), "valueCodeableConcept": _phenotype_concept(p)}
                       for p in drug.effective_phenotypes]
        components.append({"code": _concept("medication_assessed"), "valueCodeableConcept": _medication_concept(drug.drug)})
        components.append(_conclusion(_drug_note(drug)))
        obs["component"] = components
        resources_.append(obs)
        results.append(_ref(iid))
        if drug.action == "no_recommendation":
            continue
        task: dict[str, Any] = {
            "resourceType": "Task",
            "id": _uuid(sid, "task", drug.drug, drug.source, *drug.genes),
            "meta": {"profile": [_terms()["profiles"]["medication_recommendation"]]},
            "status": "requested",
            "intent": "proposal",
        }
        action_code = _terms()["actions"].get(drug.action)
        if action_code:
            task["code"] = {"coding": [{"system": _terms()["systems"]["loinc"], "code": action_code[0],
                                        "display": action_code[1]}]}
        task["description"] = (f"{drug.drug}: {drug.recommendation} [action: {drug.action}; "
                               f"source: {drug.source}; strength: {drug.classification}]")
        task["for"] = _ref(ids["patient"])
        task["authoredOn"] = meta.run_date_text
        task["reasonReference"] = _ref(iid)
        tasks.append(task)

    tumor_results, tumor_text = _tumor_observations(report, ids)
    resources_ += tumor_results
    results += [_ref(r["id"]) for r in tumor_results]

    conclusion = [f"{len(genotype_ids)} of {len(report.genes)} genes called."]
    if not_called:
        conclusion.append(f"Not called: {'; '.join(not_called)}.")
    if skipped:
        conclusion.append(f"Recommendations without a called genotype (not coded here): {'; '.join(skipped)}.")
    conclusion += tumor_text
    conclusion.append(f"pgx {meta.pgx_version}; reference data {meta.reference_version}; "
                      f"genome build {meta.genome_build}"
                      + (f"; input {meta.input_name}." if meta.input_name else "."))
    diagnostic_report: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": ids["report"],
        "meta": {"profile": [_terms()["profiles"]["genomic_report"]]},
    }
    if meta.audit_chain_head:  # ties the report to the audit log (the run's record has it as prev_hash)
        diagnostic_report["meta"]["tag"] = [{"system": AUDIT_CHAIN_HEAD_SYSTEM, "code": meta.audit_chain_head,
                                             "display": "pgx audit chain head at the start of the run"}]
    if tasks:
        diagnostic_report["extension"] = [
            {"url": _terms()["profiles"]["recommended_action"], "valueReference": _ref(task["id"])}
            for task in tasks]
    diagnostic_report.update({
        "status": "final",
        "category": [_concept("genetics")],
        "code": _concept("genetic_analysis_report"),
        "subject": _ref(ids["patient"]),
        "effectiveDateTime": meta.run_date_text,
        "result": results,
        "conclusion": " ".join(conclusion),
    })
    patient = {"resourceType": "Patient", "id": ids["patient"], "identifier": [{"value": sid}]}
    device = {
        "resourceType": "Device",
        "id": ids["device"],
        "deviceName": [{"name": "pgx", "type": "user-friendly-name"}],
        "type": {"text": "pharmacogenomic analysis software"},
        "version": [{"type": {"text": "pgx"}, "value": meta.pgx_version},
                    {"type": {"text": "reference data"}, "value": meta.reference_version}],
    }
    entries = [diagnostic_report, patient, device, *resources_, *tasks]
    return {
        "resourceType": "Bundle",
        "id": ids["bundle"],
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{ids['bundle']}"},
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries],
    }


# --------------------------------------------------------------------------- checks


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _has_coding(concept: Any, system: str, code: str) -> bool:
    return isinstance(concept, dict) and any(
        c.get("system") == system and c.get("code") == code for c in concept.get("coding", []))


def _biomarker_problems(resource: dict[str, Any], where: str, terms: dict[str, Any]) -> list[str]:
    systems, problems = terms["systems"], []
    system, code, _ = terms["codes"]["biomarker_category"]
    if sum(_has_coding(c, systems[system], code) for c in resource.get("category", [])) != 1:
        problems.append(f"{where}: expected category biomarker-category once")
    loinc = systems["loinc"]
    if _has_coding(resource.get("code"), loinc, "94076-7"):
        quantity = resource.get("valueQuantity") or {}
        if not isinstance(quantity.get("value"), (int, float)) or quantity.get("code") != terms["tmb_unit"]:
            problems.append(f"{where}: TMB needs valueQuantity in {terms['tmb_unit']}")
    elif _has_coding(resource.get("code"), loinc, "81695-9"):
        value = resource.get("valueCodeableConcept") or {}
        allowed = {code for code, _ in terms["msi_answers"].values()}
        if not value or any(c.get("code") not in allowed for c in value.get("coding", [])):
            problems.append(f"{where}: MSI needs a valueCodeableConcept from the MSI answers")
    else:
        problems.append(f"{where}: a molecular biomarker must be TMB (94076-7) or MSI (81695-9)")
    return problems


def check_fhir_bundle(bundle: dict[str, Any]) -> None:
    """Check the Genomics Reporting IG rules a pgx FHIR bundle relies on.

    Checks: every entry's ``fullUrl`` is ``urn:uuid:<id>`` and unique; every reference
    resolves inside the bundle; Observations carry the *laboratory* and *GE* categories
    once each, the profile's code (genotype 84413-4, haplotype 84414-2,
    therapeutic-implication from tbd-codes-cs) and a gene-studied component (48018-6,
    coded with an HGNC id where coded); implications have no value, derive from genotypes
    or haplotypes, name the medication assessed (51963-7, coded with an RxNorm concept id
    where coded), carry each phenotype in a predicted-phenotype component (53040-2), and
    their coded phenotypes come from genetic-therapeutic-implications-vs; Tasks are ``requested``/``proposal`` with an
    LL4049-4 code if any and a reason that is an implication; molecular-biomarker
    Observations (tumour section) are TMB (94076-7, valueQuantity in 1/1000000{Base}) or
    MSI (81695-9, a LOINC MSI answer) with the biomarker-category category; the single
    DiagnosticReport (51969-4, category GE) lists every finding in ``result`` and every
    Task as a recommended action.

    Parameters
    ----------
    bundle : dict
        A Bundle as JSON-ready dict (the output of :class:`FhirFormat`, parsed).

    Raises
    ------
    ReportError
        Listing every rule broken.

    Examples
    --------
    >>> check_fhir_bundle({"resourceType": "Bundle", "type": "collection", "entry": []})
    Traceback (most recent call last):
    ...
    pgx.report.ReportError: FHIR bundle breaks 2 profile rule(s): bundle has no entries; ...
    """
    terms = _terms()
    systems, profiles = terms["systems"], terms["profiles"]
    loinc, tbd = systems["loinc"], systems["tbd_codes"]
    problems: list[str] = []
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "collection":
        problems.append(f"expected a Bundle of type 'collection', found {bundle.get('resourceType')!r} "
                        f"of type {bundle.get('type')!r}")
    entries = bundle.get("entry") or []
    if not entries:
        problems.append("bundle has no entries")
    by_url: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(entries):
        resource = entry.get("resource", {})
        url = entry.get("fullUrl", "")
        if not _UUID_URL.match(url) or url != f"urn:uuid:{resource.get('id')}":
            problems.append(f"entry {index}: fullUrl {url!r} is not urn:uuid:<resource id>")
        if url in by_url:
            problems.append(f"entry {index}: duplicate fullUrl {url!r}")
        by_url[url] = resource
    for reference in _references(entries):
        if reference not in by_url:
            problems.append(f"reference {reference!r} does not resolve inside the bundle")

    def profile_of(resource: dict[str, Any]) -> str | None:
        found = resource.get("meta", {}).get("profile", [])
        return found[0] if found else None

    def resolved(ref: dict[str, Any]) -> dict[str, Any]:
        return by_url.get(ref.get("reference", ""), {})

    findings = {profiles["genotype"]: ("84413-4", loinc), profiles["haplotype"]: ("84414-2", loinc),
                profiles["therapeutic_implication"]: ("therapeutic-implication", tbd)}
    allowed_phenotypes = {code for code, _ in terms["phenotypes"].values()}
    reports, tasks, finding_urls = [], [], set()
    for url, resource in by_url.items():
        kind, profile = resource.get("resourceType"), profile_of(resource)
        where = f"{kind} {url}"
        if profile is not None and profile not in profiles.values():
            problems.append(f"{where}: unknown profile {profile!r}")
        if kind == "Observation":
            categories = resource.get("category", [])
            for key in ("laboratory", "genetics"):
                system, code, _ = terms["codes"][key]
                count = sum(_has_coding(c, systems[system], code) for c in categories)
                if count != 1:
                    problems.append(f"{where}: expected category {code} once, found {count}")
            if resource.get("status") != "final":
                problems.append(f"{where}: expected status 'final', found {resource.get('status')!r}")
            if profile == profiles["molecular_biomarker"]:
                finding_urls.add(url)
                problems += _biomarker_problems(resource, where, terms)
                continue
            if profile not in findings:
                problems.append(f"{where}: expected a genotype, haplotype, therapeutic-implication or "
                                "molecular-biomarker profile")
                continue
            finding_urls.add(url)
            code, system = findings[profile]
            if not _has_coding(resource.get("code"), system, code):
                problems.append(f"{where}: expected code {system}|{code}")
            components = resource.get("component", [])
            component_codes = [(c.get("code", {}).get("coding") or [{}])[0].get("code") for c in components]
            if profile == profiles["therapeutic_implication"]:
                if any(key.startswith("value") for key in resource):
                    problems.append(f"{where}: a therapeutic implication has no value[x]")
                derived = resource.get("derivedFrom", [])
                if not derived or any(profile_of(resolved(r)) not in (profiles["genotype"], profiles["haplotype"])
                                      for r in derived):
                    problems.append(f"{where}: derivedFrom must list genotype or haplotype Observations")
                if "51963-7" not in component_codes:
                    problems.append(f"{where}: no medication-assessed (51963-7) component")
                if component_codes.count("53040-2") != component_codes.count("therapeutic-implication"):
                    problems.append(f"{where}: each phenotype needs a predicted-phenotype (53040-2) component")
                for component in components:
                    value = component.get("valueCodeableConcept") or {}
                    if _has_coding(component.get("code"), loinc, "51963-7"):
                        if any(c.get("system") != systems["rxnorm"] or not str(c.get("code", "")).isdigit()
                               for c in value.get("coding", [])):
                            problems.append(f"{where}: medication-assessed coding must be an RxNorm concept id")
                for component in components:
                    if (_has_coding(component.get("code"), tbd, "therapeutic-implication")
                            or _has_coding(component.get("code"), loinc, "53040-2")):
                        value = component.get("valueCodeableConcept")
                        if not value:
                            problems.append(f"{where}: phenotype component without a value")
                        for coding in (value or {}).get("coding", []):
                            if coding.get("system") != loinc or coding.get("code") not in allowed_phenotypes:
                                problems.append(f"{where}: phenotype code {coding.get('code')!r} is not in "
                                                "genetic-therapeutic-implications-vs")
            else:
                if "valueCodeableConcept" not in resource:
                    problems.append(f"{where}: a genotype or haplotype needs valueCodeableConcept")
                if "48018-6" not in component_codes:
                    problems.append(f"{where}: no gene-studied (48018-6) component")
                for component in components:
                    if _has_coding(component.get("code"), loinc, "48018-6"):
                        codings = (component.get("valueCodeableConcept") or {}).get("coding", [])
                        if any(c.get("system") != systems["hgnc"] or not _HGNC.match(str(c.get("code", "")))
                               for c in codings):
                            problems.append(f"{where}: gene-studied coding must be an HGNC id (HGNC:<n>)")
                for r in resource.get("derivedFrom", []):
                    if profile_of(resolved(r)) != profiles["haplotype"]:
                        problems.append(f"{where}: derivedFrom {r.get('reference')!r} is not a haplotype")
        elif kind == "Task":
            tasks.append(url)
            if profile != profiles["medication_recommendation"]:
                problems.append(f"{where}: expected the medication-recommendation profile")
            if resource.get("status") != "requested" or resource.get("intent") != "proposal":
                problems.append(f"{where}: expected status 'requested' and intent 'proposal'")
            for coding in resource.get("code", {}).get("coding", []):
                if coding.get("system") != loinc or coding.get("code") not in terms["medication_usage_codes"]:
                    problems.append(f"{where}: code {coding.get('code')!r} is not from LL4049-4")
            reason = resource.get("reasonReference")
            if not reason or profile_of(resolved(reason)) != profiles["therapeutic_implication"]:
                problems.append(f"{where}: reasonReference must be a therapeutic implication")
            if resolved(resource.get("for", {})).get("resourceType") != "Patient":
                problems.append(f"{where}: 'for' must reference the Patient")
        elif kind == "DiagnosticReport":
            reports.append(resource)
            if profile != profiles["genomic_report"]:
                problems.append(f"{where}: expected the genomic-report profile")
            if not _has_coding(resource.get("code"), loinc, "51969-4"):
                problems.append(f"{where}: expected code {loinc}|51969-4")
            ge = sum(_has_coding(c, systems["diagnostic_service"], "GE") for c in resource.get("category", []))
            if ge != 1:
                problems.append(f"{where}: expected category GE once, found {ge}")
    if len(reports) != 1:
        problems.append(f"expected one DiagnosticReport, found {len(reports)}")
    else:
        report = reports[0]
        listed = [r.get("reference") for r in report.get("result", [])]
        if set(listed) != finding_urls or len(listed) != len(set(listed)):
            problems.append("DiagnosticReport.result must list every genotype, haplotype, implication and "
                            "biomarker once")
        actions = [e.get("valueReference", {}).get("reference") for e in report.get("extension", [])
                   if e.get("url") == profiles["recommended_action"]]
        if sorted(actions) != sorted(tasks):
            problems.append("DiagnosticReport recommended-action extensions must reference every Task once")
    if problems:
        raise ReportError(f"FHIR bundle breaks {len(problems)} profile rule(s): " + "; ".join(problems))


def _validate_with_models(bundle: dict[str, Any]) -> None:
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            "the FHIR format validates bundles with fhir.resources, which is not installed; "
            "install it with: pip install 'fhir.resources>=8.0,<9'") from error
    try:
        Bundle.model_validate(bundle)
    except ValueError as error:  # pydantic.ValidationError is a ValueError
        raise ReportError(f"FHIR bundle does not validate against the R4B models: {error}") from error


class FhirFormat(Format):
    """A FHIR R4 Bundle per sample, following the HL7 Genomics Reporting IG (STU3).

    Every bundle is checked with :func:`check_fhir_bundle` and, when ``validate`` is
    True (the default), validated with the ``fhir.resources`` R4B models.

    Parameters
    ----------
    validate : bool, default True
        Validate with ``fhir.resources`` (raises :class:`MissingDependencyError` if
        it is not installed).

    Examples
    --------
    >>> import datetime, json
    >>> import polars as pl
    >>> from pgx.report import FhirFormat, ReportMeta
    >>> calls = pl.DataFrame({"sample_id": ["S1"], "gene": ["CYP2C19"], "diplotype": ["*1/*2"],
    ...                       "haplotype_1": ["*1"], "haplotype_2": ["*2"],
    ...                       "phenotype": ["Intermediate Metabolizer"]})
    >>> meta = ReportMeta(reference_version="2025-03", genome_build="GRCh38",
    ...                   run_date=datetime.date(2026, 1, 31))
    >>> bundle = json.loads(FhirFormat().render("S1", calls, None, meta))
    >>> [e["resource"]["resourceType"] for e in bundle["entry"]]
    ['DiagnosticReport', 'Patient', 'Device', 'Observation', 'Observation', 'Observation']
    >>> bundle == json.loads(FhirFormat().render("S1", calls, None, meta))  # deterministic
    True
    """

    name = "fhir"
    suffix = ".fhir.json"

    def __init__(self, *, validate: bool = True) -> None:
        self.validate = validate

    def render_report(self, report: SampleReport) -> str:
        bundle = fhir_bundle(report)
        check_fhir_bundle(bundle)
        if self.validate:
            _validate_with_models(bundle)
        return json.dumps(bundle, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"

    def __repr__(self) -> str:
        return f"FhirFormat(validate={self.validate})"
