"""What each role may do, decided in one place. Pages get these booleans, never role names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from creative_minds.accounts.models import Role


@dataclass(frozen=True)
class Capabilities:
    run_the_network: bool  # approve partners, open rounds, confirm decisions, keep the ledger
    keep_the_ledger: bool
    manage_accounts: bool
    read_audit_trail: bool
    apply_for_funding: bool  # a partner group's own applications
    see_participants: bool  # pseudonymous participants, their scores and stories
    review_stories: bool
    erase_participants: bool
    assign_reporters: bool
    see_partner_status: bool  # awaiting approval, suspended...
    funding_is_their_work: bool  # the "Funding" menu rather than "Collective"
    connect_people: bool  # record a person's connection to an activity (champions)
    record_attendance: bool  # first visits, registers, "still going" for their own activities (partners)
    see_connections: bool  # the connections list: a champion's own, a partner's activities', all for coordinators
    keep_referral_sources: bool
    see_exact_funnel: bool  # connection figures without small-number hiding


@lru_cache(maxsize=16)
def capabilities(role: str | None) -> Capabilities:
    """(Worked out once per role: every page asks several times.)"""
    coordinator = role == Role.COORDINATOR
    return Capabilities(
        run_the_network=coordinator,
        keep_the_ledger=coordinator,
        manage_accounts=coordinator,
        read_audit_trail=coordinator,
        apply_for_funding=role == Role.PARTNER,
        see_participants=coordinator or role == Role.REPORTER,
        review_stories=coordinator,
        erase_participants=coordinator,
        assign_reporters=coordinator,
        see_partner_status=coordinator,
        funding_is_their_work=coordinator or role == Role.PARTNER,
        connect_people=coordinator or role == Role.CHAMPION,
        record_attendance=coordinator or role == Role.PARTNER,
        see_connections=coordinator or role in (Role.CHAMPION, Role.PARTNER),
        keep_referral_sources=coordinator,
        see_exact_funnel=coordinator,
    )


NOBODY = capabilities(None)
