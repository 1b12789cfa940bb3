"""Policy files (policies/*.yaml): loading, validation and rule selection."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from webapp.timeliness.coverage import Catalogue, load_catalogue
from webapp.timeliness.errors import PolicyError, PolicyIssue, UnknownRecordType, UnknownService
from webapp.timeliness.schedule import EMPTY_SCHEDULE, Schedule
from webapp.timeliness.windows import AMOUNT_KINDS, ANCHOR_KINDS, KINDS, Window

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
SOURCES_DIR = POLICY_DIR / "sources"

SERVICES = (
    "children_social_care",
    "early_help",
    "youth_justice",
    "targeted_youth_support",
    "placements",
    "family_support",
)
# The engine's calendar is England and Wales in London time; other zones would need another calendar.
TIMEZONES = ("Europe/London",)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# -- marshmallow schemas: shape and types only; cross-references are checked afterwards ----


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class SourceSchema(_Strict):
    file = fields.String(required=True, validate=validate.Length(min=1))
    line = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    quote = fields.String(required=True, validate=validate.Length(min=1))
    catalogue_id = fields.String(required=True, validate=validate.Length(min=1))


class WindowSchema(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(KINDS)))
    amount = fields.Integer(strict=True, validate=validate.Range(min=1))

    @validates_schema
    def amount_matches_kind(self, data: dict, **kwargs: Any) -> None:
        kind = data.get("kind")
        if kind in AMOUNT_KINDS and "amount" not in data:
            raise ValidationError(f"{kind} needs a whole amount of at least 1", "amount")
        if kind in KINDS and kind not in AMOUNT_KINDS and "amount" in data:
            raise ValidationError(f"{kind} takes no amount", "amount")


class ConditionsSchema(_Strict):
    child_protection = fields.Boolean(truthy={True}, falsy={False})
    service = fields.String(validate=validate.OneOf(SERVICES))
    section_47 = fields.Boolean(truthy={True}, falsy={False})
    immediate = fields.Boolean(truthy={True}, falsy={False})


class _RuleBaseSchema(_Strict):
    id = fields.String(required=True, validate=validate.Length(min=1))
    window = fields.Nested(WindowSchema, required=True)
    anchor = fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    sources = fields.List(
        fields.Nested(SourceSchema), required=True, validate=validate.Length(min=1)
    )
    note = fields.String()

    @validates_schema
    def anchor_matches_kind(self, data: dict, **kwargs: Any) -> None:
        kind = (data.get("window") or {}).get("kind")
        if kind in ANCHOR_KINDS and "anchor" not in data:
            raise ValidationError(f"{kind} needs an anchor naming the instant it counts back from", "anchor")
        if kind not in ANCHOR_KINDS and "anchor" in data:
            raise ValidationError(f"{kind} takes no anchor", "anchor")


class ServiceDefaultSchema(_RuleBaseSchema):
    service = fields.String(required=True, validate=validate.OneOf(SERVICES))


class RuleSchema(_RuleBaseSchema):
    record_type = fields.String(required=True, validate=validate.Length(min=1))
    conditions = fields.Nested(ConditionsSchema, load_default=dict)


class NotEncodableSchema(_Strict):
    catalogue_id = fields.String(required=True, validate=validate.Length(min=1))
    reason = fields.String(required=True, validate=validate.Length(min=1))


class SupersededSchema(_Strict):
    catalogue_id = fields.String(required=True, validate=validate.Length(min=1))
    by = fields.String(required=True, validate=validate.Length(min=1))
    why = fields.String(required=True, validate=validate.Length(min=1))


class AmbiguitySchema(_Strict):
    resolution = fields.String(required=True, validate=validate.Length(min=1))
    why = fields.String(required=True, validate=validate.Length(min=1))


class PolicySchema(_Strict):
    authority = fields.String(required=True, validate=validate.Length(min=1))
    name = fields.String(required=True, validate=validate.Length(min=1))
    catalogue_authority = fields.String(required=True, validate=validate.Length(min=1))
    timezone = fields.String(required=True, validate=validate.OneOf(TIMEZONES))
    record_types = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]*$")),
        values=fields.String(validate=validate.Length(min=1)),
        required=True,
        validate=validate.Length(min=1),
    )
    default = fields.Nested(_RuleBaseSchema, required=True)
    service_defaults = fields.List(fields.Nested(ServiceDefaultSchema), load_default=list)
    rules = fields.List(fields.Nested(RuleSchema), load_default=list)
    not_encodable = fields.List(fields.Nested(NotEncodableSchema), load_default=list)
    superseded = fields.List(fields.Nested(SupersededSchema), load_default=list)
    ambiguities = fields.Dict(
        keys=fields.String(), values=fields.Nested(AmbiguitySchema), load_default=dict
    )
    no_service = fields.String(load_default=None, validate=validate.OneOf(SERVICES))
    schedules = fields.Raw(load_default=None)  # checked by schedule_policy.load_schedule


# -- the loaded policy ---------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A line of a source document that a rule encodes, and the catalogue entry for it."""

    file: str
    line: int
    quote: str
    catalogue_id: str


@dataclass(frozen=True)
class Rule:
    """A recording window that applies to records matching its record type and conditions.

    Defaults have `record_type` None; a service default has `service` set.
    """

    id: str
    window: Window
    sources: tuple[Source, ...]
    record_type: str | None = None
    conditions: dict[str, Any] = field(default_factory=dict)
    service: str | None = None
    note: str | None = None

    @property
    def anchor(self) -> str | None:
        return self.window.anchor

    def matches(
        self, child_protection: bool, service: str | None, section_47: bool = False, immediate: bool = False
    ) -> bool:
        """Whether every condition this rule sets agrees with the record."""
        facts = {
            "child_protection": child_protection,
            "service": service,
            "section_47": section_47,
            "immediate": immediate,
        }
        return all(facts[key] == value for key, value in self.conditions.items())


@dataclass(frozen=True)
class NotEncodable:
    catalogue_id: str
    reason: str


@dataclass(frozen=True)
class Superseded:
    """A catalogue entry that another line sets more strictly for the same record."""

    catalogue_id: str
    by: str  # the id of the rule that encodes the stricter line
    why: str

    @property
    def reason(self) -> str:
        return f"superseded by {self.by} (stricter): {self.why}"


@dataclass(frozen=True)
class Ambiguity:
    resolution: str
    why: str


@dataclass(frozen=True, eq=False)
class Policy:
    """One authority's recording rules, as loaded from its YAML file."""

    authority: str
    name: str
    version: str
    catalogue_authority: str
    timezone: str
    record_types: dict[str, str]
    default: Rule
    service_defaults: dict[str, Rule]
    rules: tuple[Rule, ...]
    not_encodable: tuple[NotEncodable, ...]
    ambiguities: dict[str, Ambiguity]
    superseded: tuple[Superseded, ...] = ()
    no_service: str | None = None
    path: Path | None = None
    schedule: Schedule = EMPTY_SCHEDULE
    _by_record_type: dict[str, list[Rule]] = field(default_factory=dict, repr=False)
    _selected: dict[tuple, Rule] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        by_type: dict[str, list[Rule]] = {}
        for rule in self.rules:
            by_type.setdefault(rule.record_type, []).append(rule)
        for candidates in by_type.values():
            # Most conditions first; the loader has rejected ties, so the first match wins.
            candidates.sort(key=lambda rule: -len(rule.conditions))
        self._by_record_type.update(by_type)

    def all_rules(self) -> list[Rule]:
        """The default, the service defaults and the specific rules, in file order."""
        return [self.default, *self.service_defaults.values(), *self.rules]

    def encoded_catalogue_ids(self) -> set[str]:
        return {source.catalogue_id for rule in self.all_rules() for source in rule.sources}

    def rule_by_id(self, rule_id: str) -> Rule:
        for rule in self.all_rules():
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def select_rule(
        self,
        record_type: str,
        child_protection: bool = False,
        service: str | None = None,
        section_47: bool = False,
        immediate: bool = False,
    ) -> Rule:
        """The most specific matching rule; else the service's default; else the authority's.

        A record without a service is treated as the policy's `no_service` says (by default,
        no service at all: only rules and defaults that set no service apply).

        Raises:
            UnknownRecordType: the policy does not list `record_type`.
            UnknownService: `service` is not one of SERVICES.
        """
        key = (record_type, child_protection, service, section_47, immediate)
        selected = self._selected.get(key)
        if selected is not None:
            return selected
        if record_type not in self.record_types:
            raise UnknownRecordType(
                f"{self.authority} has no record type {record_type!r}; "
                f"it accepts {', '.join(sorted(self.record_types))}"
            )
        if service is not None and service not in SERVICES:
            raise UnknownService(f"no service {service!r}; the services are {', '.join(SERVICES)}")
        as_service = self.no_service if service is None else service
        selected = next(
            (
                rule
                for rule in self._by_record_type.get(record_type, ())
                if rule.matches(child_protection, as_service, section_47, immediate)
            ),
            None,
        )
        if selected is None:
            selected = self.service_defaults.get(as_service, self.default)
        self._selected[key] = selected  # bounded: unknown types and services raised above
        return selected


# -- loading -------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _source_lines_cached(path: str, mtime_ns: int) -> tuple[str, ...]:
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    # Split on "\n" only: line numbers are as `cat -n` / `grep -n` count them, and
    # str.splitlines() would also break at form feeds and Unicode line separators.
    return tuple(line.removesuffix("\r") for line in text.split("\n"))


def _source_lines(sources_dir: Path, name: str) -> tuple[str, ...] | None:
    path = sources_dir / name
    if Path(name).name != name or not path.is_file():
        return None
    return _source_lines_cached(str(path.resolve()), path.stat().st_mtime_ns)


def _path_words(keys: list) -> str:
    words = ""
    for key in keys:
        if isinstance(key, int):
            words += f"[{key}]"
        else:
            words += ("." if words else "") + str(key)
    return words


def _schema_issues(file: str, raw: dict, messages: Any) -> list[PolicyIssue]:
    """Flatten marshmallow's nested messages into issues naming the rule id and field."""
    issues: list[PolicyIssue] = []

    def walk(node: Any, path: list) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, path if key == "_schema" else [*path, key])
        elif isinstance(node, list) and node and not all(isinstance(m, str) for m in node):
            for child in node:
                walk(child, path)
        else:
            text = "; ".join(node) if isinstance(node, list) else str(node)
            issues.append(_locate(file, raw, path, text))

    walk(messages, [])
    return issues


def _locate(file: str, raw: dict, path: list, message: str) -> PolicyIssue:
    """Turn a path such as ["rules", 3, "window", "kind"] into rule id + field."""
    if path and path[0] in ("rules", "service_defaults") and len(path) >= 2 and isinstance(path[1], int):
        items = raw.get(path[0]) if isinstance(raw, dict) else None
        item = items[path[1]] if isinstance(items, list) and path[1] < len(items) else None
        rule_id = item.get("id") if isinstance(item, dict) else None
        rule = str(rule_id) if rule_id else f"{path[0]}[{path[1]}]"
        return PolicyIssue(file, rule, _path_words(path[2:]) or None, message)
    if path and path[0] == "default":
        item = raw.get("default") if isinstance(raw, dict) else None
        rule_id = item.get("id") if isinstance(item, dict) else None
        return PolicyIssue(file, str(rule_id) if rule_id else "default", _path_words(path[1:]) or None, message)
    return PolicyIssue(file, None, _path_words(path) or None, message)


def _raw_rules(raw: dict) -> list[tuple[str, dict]]:
    """(rule name, rule mapping) for every rule-like entry in unvalidated data."""
    found = []
    default = raw.get("default")
    if isinstance(default, dict):
        found.append((str(default.get("id") or "default"), default))
    for section in ("service_defaults", "rules"):
        items = raw.get(section)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if isinstance(item, dict):
                found.append((str(item.get("id") or f"{section}[{index}]"), item))
    return found


def _quote_issues(file: str, raw: dict, sources_dir: Path) -> list[PolicyIssue]:
    """Every quote must be an exact substring of its cited line.

    Checked on the raw data, so a file with a type error elsewhere still has its quotes
    checked and `policy check` reports everything in one run.
    """
    issues = []
    for rule, item in _raw_rules(raw):
        sources = item.get("sources")
        if not isinstance(sources, list):
            continue
        for index, source in enumerate(sources):
            if not isinstance(source, dict):
                continue
            name, line, quote = source.get("file"), source.get("line"), source.get("quote")
            if not isinstance(name, str) or not name:
                continue
            where = f"sources[{index}]"
            lines = _source_lines(sources_dir, name)
            if lines is None:
                issues.append(PolicyIssue(file, rule, f"{where}.file", f"no source document {name!r}"))
            elif not isinstance(line, int) or isinstance(line, bool) or line < 1 or not isinstance(quote, str):
                continue  # the schema reports the type
            elif line > len(lines):
                issues.append(PolicyIssue(file, rule, f"{where}.line", f"{name} has only {len(lines)} lines"))
            elif quote not in lines[line - 1]:
                issues.append(
                    PolicyIssue(file, rule, f"{where}.quote", f"{quote!r} is not on line {line} of {name}")
                )
    return issues


def _build_rule(data: dict, **extra: Any) -> Rule:
    return Rule(
        id=data["id"],
        window=Window(data["window"]["kind"], data["window"].get("amount"), data.get("anchor")),
        sources=tuple(Source(**source) for source in data["sources"]),
        note=data.get("note"),
        **extra,
    )


def _overlap_issues(file: str, rules: list[Rule]) -> list[PolicyIssue]:
    """Two rules for one record type that could both be the most specific match are an error."""
    issues = []
    for i, first in enumerate(rules):
        for second in rules[i + 1 :]:
            if first.record_type != second.record_type:
                continue
            if len(first.conditions) != len(second.conditions):
                continue
            shared = first.conditions.keys() & second.conditions.keys()
            if any(first.conditions[key] != second.conditions[key] for key in shared):
                continue  # they never match the same record
            merged = {**first.conditions, **second.conditions}
            if merged != first.conditions and any(r.conditions == merged for r in rules if r.record_type == first.record_type):
                continue  # a more specific rule takes the records both would match
            what = (
                "has the same conditions as"
                if first.conditions == second.conditions
                else "ties with"
            )
            issues.append(
                PolicyIssue(
                    file,
                    second.id,
                    "conditions",
                    f"{what} rule {first.id} for record type {second.record_type} "
                    f"(both match {merged or 'every record'}); make one more specific",
                )
            )
    return issues


def _reference_issues(
    file: str, stem: str, data: dict, policy_rules: list[Rule], catalogue: Catalogue | None
) -> list[PolicyIssue]:
    issues: list[PolicyIssue] = []
    if data["authority"] != stem:
        issues.append(
            PolicyIssue(file, None, "authority", f"{data['authority']!r} must equal the file stem {stem!r}")
        )
    catalogue_authority = data["catalogue_authority"]
    if catalogue is not None and catalogue_authority not in catalogue.entries:
        issues.append(
            PolicyIssue(
                file,
                None,
                "catalogue_authority",
                f"{catalogue_authority!r} is not in the catalogue "
                f"(known: {', '.join(catalogue.authorities())})",
            )
        )
        catalogue = None  # every catalogue id would be reported again; one message is enough

    seen_ids: dict[str, None] = {}
    for rule in policy_rules:
        if rule.id in seen_ids:
            issues.append(PolicyIssue(file, rule.id, "id", "rule id is used twice"))
        seen_ids[rule.id] = None
        if rule.record_type is not None and rule.record_type not in data["record_types"]:
            issues.append(
                PolicyIssue(
                    file, rule.id, "record_type", f"{rule.record_type!r} is not listed in record_types"
                )
            )

    services: dict[str, str] = {}
    for rule in policy_rules:
        if rule.service is None:
            continue
        if rule.service in services:
            issues.append(
                PolicyIssue(
                    file, rule.id, "service", f"service {rule.service} already has default {services[rule.service]}"
                )
            )
        services.setdefault(rule.service, rule.id)

    issues.extend(_overlap_issues(file, [r for r in policy_rules if r.record_type is not None]))

    encoded: set[str] = set()
    for rule in policy_rules:
        for index, source in enumerate(rule.sources):
            where = f"sources[{index}]"
            encoded.add(source.catalogue_id)
            if catalogue is None:
                continue
            entry = catalogue.entry(catalogue_authority, source.catalogue_id)
            if entry is None:
                issues.append(
                    PolicyIssue(
                        file,
                        rule.id,
                        f"{where}.catalogue_id",
                        f"{source.catalogue_id!r} is not a catalogue entry for {catalogue_authority}",
                    )
                )
                continue
            for ambiguity in entry.ambiguity_refs:
                if ambiguity not in data["ambiguities"]:
                    issues.append(
                        PolicyIssue(
                            file,
                            rule.id,
                            f"{where}.catalogue_id",
                            f"{entry.id} depends on {ambiguity}, which is not resolved under ambiguities",
                        )
                    )

    declined: set[str] = set()
    for index, item in enumerate(data["not_encodable"]):
        catalogue_id = item["catalogue_id"]
        where = f"not_encodable[{index}].catalogue_id"
        if catalogue_id in declined:
            issues.append(PolicyIssue(file, None, where, f"{catalogue_id} is listed twice"))
        declined.add(catalogue_id)
        if catalogue_id in encoded:
            issues.append(
                PolicyIssue(file, None, where, f"{catalogue_id} is both encoded by a rule and listed as not encodable")
            )
        if catalogue is not None and catalogue.entry(catalogue_authority, catalogue_id) is None:
            issues.append(
                PolicyIssue(file, None, where, f"{catalogue_id!r} is not a catalogue entry for {catalogue_authority}")
            )

    for index, item in enumerate(data["superseded"]):
        catalogue_id = item["catalogue_id"]
        where = f"superseded[{index}]"
        if catalogue_id in declined:
            issues.append(PolicyIssue(file, None, f"{where}.catalogue_id", f"{catalogue_id} is listed twice"))
        declined.add(catalogue_id)
        if catalogue_id in encoded:
            issues.append(
                PolicyIssue(file, None, f"{where}.catalogue_id", f"{catalogue_id} is both encoded by a rule and superseded")
            )
        if catalogue is not None and catalogue.entry(catalogue_authority, catalogue_id) is None:
            issues.append(
                PolicyIssue(file, None, f"{where}.catalogue_id", f"{catalogue_id!r} is not a catalogue entry for {catalogue_authority}")
            )
        if item["by"] not in seen_ids:
            issues.append(PolicyIssue(file, None, f"{where}.by", f"{item['by']!r} is not a rule in this policy"))

    if catalogue is not None:
        for name in data["ambiguities"]:
            if name not in catalogue.ambiguities:
                issues.append(PolicyIssue(file, None, f"ambiguities.{name}", "not an ambiguity in the catalogue"))
    return issues


def load_policy(path: str | Path, sources_dir: str | Path | None = None) -> Policy:
    """Load and validate one policy file; `sources_dir` defaults to policies/sources.

    Raises:
        PolicyError: listing every problem found, each naming the file, rule id and field.
    """
    path = Path(path)
    sources_dir = Path(sources_dir) if sources_dir is not None else SOURCES_DIR
    file = path.name
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise PolicyError(file, None, None, f"cannot read: {exc.strerror}") from None
    try:
        raw = yaml.load(content, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise PolicyError(file, None, None, f"not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise PolicyError(file, None, None, "must be a YAML mapping")
    quote_issues = _quote_issues(file, raw, sources_dir)
    try:
        data = PolicySchema().load(raw)
    except ValidationError as exc:
        raise PolicyError(errors=_schema_issues(file, raw, exc.messages) + quote_issues) from None

    default = _build_rule(data["default"])
    service_defaults = [_build_rule(d, service=d["service"]) for d in data["service_defaults"]]
    rules = [
        _build_rule(r, record_type=r["record_type"], conditions=dict(r["conditions"]))
        for r in data["rules"]
    ]
    all_rules = [default, *service_defaults, *rules]

    try:
        catalogue = load_catalogue(sources_dir)
    except FileNotFoundError:
        raise PolicyError(file, None, None, f"no catalogue in {sources_dir}") from None
    issues = quote_issues + _reference_issues(file, path.stem, data, all_rules, catalogue)
    # schedule_policy builds on this module's schemas and quote checks, so it comes in here.
    from webapp.timeliness.schedule_policy import load_schedule

    known_authority = data["catalogue_authority"] in catalogue.entries
    schedule, schedule_issues = load_schedule(
        data["schedules"], file, sources_dir, catalogue if known_authority else None, data["catalogue_authority"]
    )
    issues += schedule_issues
    if issues:
        raise PolicyError(errors=issues)

    return Policy(
        authority=data["authority"],
        name=data["name"],
        version=hashlib.sha256(content).hexdigest()[:12],
        catalogue_authority=data["catalogue_authority"],
        timezone=data["timezone"],
        record_types=dict(data["record_types"]),
        default=default,
        service_defaults={rule.service: rule for rule in service_defaults},
        rules=tuple(rules),
        not_encodable=tuple(NotEncodable(**item) for item in data["not_encodable"]),
        ambiguities={name: Ambiguity(**item) for name, item in data["ambiguities"].items()},
        superseded=tuple(Superseded(**item) for item in data["superseded"]),
        no_service=data["no_service"],
        path=path,
        schedule=schedule,
    )


def policy_files(policy_dir: str | Path) -> list[Path]:
    """The policy files in a directory: every *.yaml / *.yml at its top level."""
    policy_dir = Path(policy_dir)
    return sorted(p for p in policy_dir.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def load_policies(policy_dir: str | Path | None = None, sources_dir: str | Path | None = None) -> dict[str, Policy]:
    """Every policy in a directory, keyed by authority id; README and sources/ are ignored.

    Raises:
        PolicyError: listing the problems in every invalid file.
    """
    policy_dir = Path(policy_dir) if policy_dir is not None else POLICY_DIR
    if sources_dir is None:
        sources_dir = policy_dir / "sources"
    policies: dict[str, Policy] = {}
    issues: list[PolicyIssue] = []
    for path in policy_files(policy_dir):
        try:
            policy = load_policy(path, sources_dir)
        except PolicyError as exc:
            issues.extend(exc.errors)
        else:
            policies[policy.authority] = policy
    if issues:
        raise PolicyError(errors=issues)
    return policies
