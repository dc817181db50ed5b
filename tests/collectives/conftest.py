"""A funded locality with a round, applications and collective members, built through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from collectives.applications import service as applications
from collectives.applications.forms import ApplicationInput, EligibilityInput
from collectives.applications.models import Application
from collectives.funds import service as funds
from collectives.funds.forms import FundInput
from collectives.funds.models import Fund
from collectives.membership import service as membership
from collectives.membership.models import Constituency
from collectives.rounds import service as rounds
from collectives.rounds.forms import RoundInput
from collectives.rounds.models import Phase, Round
from collectives.voting import service as voting
from creative_minds.accounts.models import Role, User
from partners.models import Partner
from projects.models import Project
from tests.utils import locality_id, make_partner, make_project, make_user


@dataclass
class Network:
    db: Session
    coordinator: User
    fund: Fund
    round: Round
    partners: dict[str, Partner] = field(default_factory=dict)
    owners: dict[str, User] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    members: list[User] = field(default_factory=list)

    def add_member(self, constituency: Constituency = Constituency.LIVED_EXPERIENCE, **extra) -> User:
        user = make_user(self.db, Role.COLLECTIVE_MEMBER, locality_id=self.round.locality_id, **extra)
        membership.admit_directly(self.db, user, self.round.locality_id, constituency)
        self.db.commit()
        self.members.append(user)
        return user

    def apply(self, name: str, amount_pence: int, match_pence: int = 100_000) -> Application:
        partner = make_partner(self.db, self.coordinator, name=f"{name} group")
        owner = make_user(self.db, Role.PARTNER, partner_id=partner.id)
        project = make_project(
            self.db,
            partner,
            owner,
            title=name,
            total_cost_pence=amount_pence + match_pence,
            match_pence=match_pence,
            requested_pence=amount_pence,
        )
        application = applications.apply(
            self.db,
            self.round,
            ApplicationInput(
                project_id=project.id,
                amount_pence=amount_pence,
                match_pence=match_pence,
                local_need="People in this area have asked for exactly this kind of group.",
            ),
            by=owner,
        )
        self.db.commit()
        self.partners[name], self.owners[name], self.projects[name], self.applications[name] = (
            partner,
            owner,
            project,
            application,
        )
        return application

    def advance(self) -> None:
        rounds.advance_phase(self.db, self.round, by=self.coordinator, confirmed=True)
        self.db.commit()

    def all_eligible(self) -> None:
        for application in self.applications.values():
            self.db.refresh(application)
            if application.round_id != self.round.id or application.status != "submitted":
                continue
            applications.decide_eligibility(self.db, application, EligibilityInput(eligible=True), by=self.coordinator)
        self.db.commit()

    def vote(self, member: User, *names: str) -> None:
        voting.cast_ballot(self.db, self.round, [self.applications[n].id for n in names], by=member)
        self.db.commit()

    def to_voting(self) -> None:
        self.advance()
        self.all_eligible()
        self.advance()


def make_network(
    db: Session,
    *,
    share_pence: int = 2_000_000,
    budget_pence: int = 1_000_000,
    min_voters: int = 3,
    fund_name: str = "Test fund 2027",
    round_name: str = "Kirklees spring round",
) -> Network:
    coordinator = make_user(db)
    kirklees = locality_id(db)
    fund = funds.create_fund(
        db,
        FundInput(
            name=fund_name,
            total_pence=share_pence * 4,
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
            shares={kirklees: share_pence},
        ),
        by=coordinator,
    )
    db.flush()
    share = next(s for s in fund.shares if s.locality_id == kirklees)
    round_ = rounds.create_round(
        db,
        RoundInput(
            share_id=share.id,
            name=round_name,
            budget_pence=budget_pence,
            applications_close_on=date.today() + timedelta(days=14),
            quorum_min_voters=min_voters,
        ),
        by=coordinator,
    )
    db.commit()
    return Network(db=db, coordinator=coordinator, fund=fund, round=round_)


@pytest.fixture
def network(db) -> Network:
    return make_network(db)


def pb_notes_case(net: Network) -> None:
    """PB-NOTES: budget £10,000; four members approve cafe/walks/allotment, three approve arts/youth."""
    for name, pounds in [("cafe", 4000), ("walks", 3000), ("allotment", 3000), ("arts", 3500), ("youth", 2500)]:
        net.apply(name, pounds * 100)
    net.to_voting()
    for _ in range(4):
        net.vote(net.add_member(Constituency.LIVED_EXPERIENCE), "cafe", "walks", "allotment")
    for _ in range(3):
        net.vote(net.add_member(Constituency.CARER), "arts", "youth")


__all__ = ["Network", "Phase", "make_network", "pb_notes_case"]
