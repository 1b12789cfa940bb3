"""The catalogue of recording rules (sources/seed-rules.yaml) and how much of it a policy encodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from webapp.timeliness.policy import Policy

CATALOGUE_FILE = "seed-rules.yaml"
# Sections whose entries a policy may cite. Coverage counts `recording_rules` only; the others
# (visit and meeting frequencies, other activities) may be cited by a rule that borrows their
# recording window, e.g. Norfolk's initial visit row.
CITABLE_SECTIONS = (
    "recording_rules",
    "blanket_defaults",
    "visit_frequency",
    "meeting_review_frequency",
    "other_activity_timescales",
)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class CatalogueEntry:
    """One catalogued rule, as much of it as the loader and the coverage report need."""

    id: str
    authority: str
    section: str
    quote: str
    line: int | None
    ambiguity_refs: tuple[str, ...]
    heading: str = ""  # the section of the council's document the line sits in


@dataclass(frozen=True)
class Catalogue:
    """Every catalogued rule, indexed by authority and id."""

    entries: dict[str, dict[str, CatalogueEntry]]  # catalogue authority -> id -> entry
    ambiguities: frozenset[str]
    documents: dict[str, str] = field(default_factory=dict)  # catalogue authority -> title

    def authorities(self) -> list[str]:
        return sorted(self.entries)

    def entry(self, authority: str, catalogue_id: str) -> CatalogueEntry | None:
        return self.entries.get(authority, {}).get(catalogue_id)

    def recording_rules(self, authority: str) -> list[CatalogueEntry]:
        return [
            e for e in self.entries.get(authority, {}).values() if e.section == "recording_rules"
        ]


def parse_catalogue(document: dict) -> Catalogue:
    """Build a Catalogue from the parsed seed-rules.yaml."""
    entries: dict[str, dict[str, CatalogueEntry]] = {}
    # recording_rules first, so an id also listed under blanket_defaults counts as a recording rule.
    for section in CITABLE_SECTIONS:
        for raw in document.get(section) or []:
            by_id = entries.setdefault(raw["authority"], {})
            if raw["id"] in by_id:
                continue
            by_id[raw["id"]] = CatalogueEntry(
                id=raw["id"],
                authority=raw["authority"],
                section=section,
                quote=raw.get("quote", ""),
                line=raw.get("line"),
                ambiguity_refs=tuple(raw.get("ambiguity_refs") or ()),
                heading=raw.get("section") or "",
            )
    ambiguities = frozenset(a["id"] for a in document.get("ambiguities") or [])
    sources = (document.get("meta") or {}).get("sources") or {}
    documents = {authority: source["document"] for authority, source in sources.items() if "document" in source}
    return Catalogue(entries=entries, ambiguities=ambiguities, documents=documents)


@lru_cache(maxsize=8)
def _load_catalogue_cached(path: str, mtime_ns: int) -> Catalogue:
    with open(path, encoding="utf-8") as handle:
        return parse_catalogue(yaml.load(handle, Loader=_Loader))


def load_catalogue(sources_dir: Path) -> Catalogue:
    """The catalogue in `sources_dir`, parsed once per file version.

    Raises:
        FileNotFoundError: there is no seed-rules.yaml in `sources_dir`.
    """
    path = Path(sources_dir) / CATALOGUE_FILE
    return _load_catalogue_cached(str(path.resolve()), path.stat().st_mtime_ns)


@dataclass(frozen=True)
class Coverage:
    """How many of an authority's catalogued recording rules a policy accounts for."""

    authority: str
    catalogue_authority: str
    total: int
    encoded: list[str] = field(default_factory=list)
    not_encodable: dict[str, str] = field(default_factory=dict)  # catalogue id -> reason
    superseded: dict[str, str] = field(default_factory=dict)  # catalogue id -> "superseded by RULE (stricter): ..."
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing

    def to_dict(self) -> dict:
        return {
            "authority": self.authority,
            "catalogue_authority": self.catalogue_authority,
            "total": self.total,
            "encoded": len(self.encoded),
            "superseded": len(self.superseded),
            "not_encodable": len(self.not_encodable),
            "missing": list(self.missing),
            "complete": self.complete,
        }


def coverage(policy: Policy, catalogue: Catalogue) -> Coverage:
    """Which of the authority's catalogued recording rules are encoded, superseded, not encodable, or none."""
    cited = policy.encoded_catalogue_ids()
    declined = {item.catalogue_id: item.reason for item in policy.not_encodable}
    stricter_elsewhere = {item.catalogue_id: item.reason for item in policy.superseded}
    encoded, superseded, not_encodable, missing = [], {}, {}, []
    rules = catalogue.recording_rules(policy.catalogue_authority)
    for entry in rules:
        if entry.id in cited:
            encoded.append(entry.id)
        elif entry.id in stricter_elsewhere:
            superseded[entry.id] = stricter_elsewhere[entry.id]
        elif entry.id in declined:
            not_encodable[entry.id] = declined[entry.id]
        else:
            missing.append(entry.id)
    return Coverage(
        authority=policy.authority,
        catalogue_authority=policy.catalogue_authority,
        total=len(rules),
        encoded=encoded,
        superseded=superseded,
        not_encodable=not_encodable,
        missing=missing,
    )
