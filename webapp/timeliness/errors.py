"""Exceptions raised by the timeliness engine; callers turn them into HTTP or CLI answers."""

from __future__ import annotations

from dataclasses import dataclass


class TimelinessError(Exception):
    """Base class for every error the engine raises on purpose."""


class OutsideCalendarError(TimelinessError, ValueError):
    """A date falls outside the span the working calendar was precomputed for."""


class NaiveDatetimeError(TimelinessError, ValueError):
    """An instant without a UTC offset reached the engine; callers must localise first."""


class MissingAnchorError(TimelinessError, ValueError):
    """A rule counts back from an anchor instant that the record does not carry."""


class UnknownRecordType(TimelinessError, LookupError):
    """The policy does not list the record type."""


class UnknownService(TimelinessError, LookupError):
    """The record names a service that no policy knows."""


class UnknownAuthority(TimelinessError, LookupError):
    """No policy is loaded for the authority."""


class HorizonWarning(UserWarning):
    """A date lies beyond the bank holidays GOV.UK has published, so the calendar is a forecast."""


@dataclass(frozen=True)
class PolicyIssue:
    """One problem found in a policy file."""

    file: str
    rule: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.rule:
            parts.append(f"rule {self.rule}")
        if self.field:
            parts.append(f"field {self.field}")
        return ": ".join(parts) + f": {self.message}"


class PolicyError(TimelinessError):
    """A policy file is invalid; `errors` lists every problem, the attributes name the first."""

    def __init__(
        self,
        file: str | None = None,
        rule: str | None = None,
        field: str | None = None,
        message: str = "",
        *,
        errors: list[PolicyIssue] | None = None,
    ):
        if errors is None:
            errors = [PolicyIssue(file or "<unknown>", rule, field, message)]
        self.errors = list(errors)
        first = self.errors[0]
        self.file, self.rule, self.field, self.message = (
            first.file,
            first.rule,
            first.field,
            first.message,
        )
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.errors)
