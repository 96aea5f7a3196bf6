"""One assignment per subject and period: who holds the claim on a person for a service.

A benefit is assigned once per subject and period, whoever applies and however (the other parent, an office,
the proactive channel, twenty concurrent filings): the child-disability benefit per child, the caregiver
allowance per cared person, TSA per family member. Each (service, subject) has one claim record, written only
with a condition on what was read (services/assignments.py, adapters/assignments.py), so that of concurrent
applications exactly one holds it:

- `pending`: an open application for this subject was filed first; later ones wait for it to be decided;
- `assigned`: an application was approved for `period_from`..`period_to` (open-ended when `period_to` is None);
  an application registered inside that period is refused (or stopped at filing) naming it.

A claim whose holder was refused, withdrawn or no longer exists is free: the holder releases it when it ends,
and a reader that finds one not yet released takes it over. This module is pure: it decides, from a claim and
the holder's state, whether the claim blocks another application.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from chalicelib.domain.errors import Conflict
from chalicelib.domain.identity import mask_iin

PENDING = "pending"
ASSIGNED = "assigned"

# Where the subjects of each service come from: the people the one-benefit rule is about.
SUBJECT_RELATIONS: dict[str, tuple[str, ...]] = {
    "child-disability-benefit": ("child",),
    "caregiver-allowance": ("cared_person",),
    "targeted-social-assistance": ("applicant", "*"),
}


@dataclass(frozen=True)
class Claim:
    """The claim on one subject for one service. `version` is the stored version (0: not stored)."""

    service_id: str
    subject_iin: str
    holder: str  # application id
    state: str  # pending | assigned
    period_from: date | None = None
    period_to: date | None = None
    version: int = 0
    waiters: frozenset[str] = field(default_factory=frozenset)

    def taken_by(
        self, application_id: str, state: str, *, period_from: date | None = None, period_to: date | None = None
    ) -> Claim:
        return replace(
            self,
            holder=application_id,
            state=state,
            period_from=period_from,
            period_to=period_to,
            waiters=self.waiters - {application_id},
        )


@dataclass(frozen=True)
class Blocking:
    """Why a claim stops another application: `assigned` (certain) or `pending` (wait for its decision)."""

    kind: str  # assigned | pending
    claim: Claim

    @property
    def masked_subject(self) -> str:
        return mask_iin(self.claim.subject_iin)

    @property
    def masked_holder(self) -> str:
        return mask_application_id(self.claim.holder)

    def to_problem(self) -> dict[str, str | None]:
        """What a problem document may say of it (RFC 9457 extension member `assignment`): masked only."""
        claim = self.claim
        return {
            "state": claim.state,
            "subject": self.masked_subject,
            "application": self.masked_holder,
            "period_from": claim.period_from.isoformat() if claim.period_from else None,
            "period_to": claim.period_to.isoformat() if claim.period_to else None,
        }


def mask_application_id(application_id: str) -> str:
    """`261130-AB****YZ`: enough for an official to find it, not to be read back by another citizen."""
    if len(application_id) < 8:
        return "****"
    return f"{application_id[:9]}****{application_id[-2:]}"


def blocking(claim: Claim | None, applicant_app: str, holder_status: str | None, on: date) -> Blocking | None:
    """Whether `claim` stops application `applicant_app` registered on `on`.

    `holder_status` is the holder application's status (None: it does not exist). A claim held by the same
    application, by a refused / withdrawn / missing one, or an assignment that ended before `on`, does not block.
    """
    if claim is None or claim.holder == applicant_app:
        return None
    if holder_status is None or holder_status in ("refused", "withdrawn"):
        return None
    if claim.state == ASSIGNED:
        if holder_status not in ("approved", "deciding"):
            return None  # the claim is written just before the approval is saved: only then does it count
        if claim.period_to is not None and claim.period_to < on:
            return None
        return Blocking(ASSIGNED, claim)
    if holder_status == "approved":
        return None  # approved without an assignment period recorded: treat as free (not expected)
    return Blocking(PENDING, claim)


def subjects_of(service_id: str, applicant_iin: str, subjects: list[tuple[str, str]]) -> list[str]:
    """The people whose one assignment an application of `service_id` would take, in a stable order."""
    kinds = SUBJECT_RELATIONS.get(service_id, ())
    found: list[str] = []
    if "applicant" in kinds:
        found.append(applicant_iin)
    for iin, relation in subjects:
        if ("*" in kinds or relation in kinds) and iin not in found:
            found.append(iin)
    return found


def filing_subjects(service_id: str, applicant_iin: str, subjects: list[tuple[str, str]]) -> list[str]:
    """Whose existing assignment makes a new application certainly futile at filing: the child, the cared
    person; for TSA only the applicant (a declared member assigned in another family is decided on: the
    family as the rules count it is known only then)."""
    if service_id == "targeted-social-assistance":
        return [applicant_iin]
    return subjects_of(service_id, applicant_iin, subjects)


class AssignmentExists(Conflict):
    """The subject already has this benefit assigned for the period asked (stopped at filing)."""

    code = "assignment.exists"

    def __init__(self, block: Blocking) -> None:
        claim = block.claim
        until = claim.period_to.isoformat() if claim.period_to else "no end date"
        super().__init__(
            f"The benefit is already assigned to {block.masked_subject} under application {block.masked_holder} "
            f"(from {claim.period_from.isoformat() if claim.period_from else 'its start'} to {until}): "
            "one assignment per person and period."
        )
        self.block = block
        self.extensions = {"assignment": block.to_problem()}
