"""Who may see and do what (API.md "Authentication"). Someone who may not see an application gets
the same answer as for one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.application import Application

ROLES = ("citizen", "operator", "official", "admin")
IN_PERSON_CHANNELS = ("state_corp", "provider_office", "akimat")


@dataclass(frozen=True)
class Caller:
    iin: str
    role: str
    org: str | None = None
    name: str | None = None

    @property
    def actor(self) -> str:
        return self.role


def can_view(caller: Caller, application: Application) -> bool:
    if caller.role == "citizen":
        return application.concerns(caller.iin)
    if caller.role == "operator":
        return application.accepted_by is not None and application.accepted_by.office == caller.org
    if caller.role == "official":
        return caller.org is not None and application.handling_office == caller.org
    return caller.role == "admin"


def is_owner(caller: Caller, application: Application) -> bool:
    return caller.role == "citizen" and application.concerns(caller.iin)


def is_accepting_operator(caller: Caller, application: Application) -> bool:
    """An operator of the office that accepted the application in person (it issued the tear-off ticket)."""
    accepted = application.accepted_by
    return (
        caller.role == "operator" and accepted is not None and caller.org is not None and accepted.office == caller.org
    )


def is_deciding_official(caller: Caller, application: Application) -> bool:
    """An official of the office that decides the application (API.md: officials see what their office decides)."""
    return caller.role == "official" and caller.org is not None and caller.org == application.handling_office
