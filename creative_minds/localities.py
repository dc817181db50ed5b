"""The four localities of the network, each with a centre point and its postcode districts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Field, Session, SQLModel, select


class Locality(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64, unique=True)
    latitude: float
    longitude: float


@dataclass(frozen=True)
class LocalityFacts:
    slug: str
    name: str
    latitude: float
    longitude: float
    # Postcode districts wholly or mainly inside the locality (used for demo data and checks).
    outcodes: tuple[str, ...]


# Centre points: the main town centre of each metropolitan borough.
LOCALITIES: tuple[LocalityFacts, ...] = (
    LocalityFacts("barnsley", "Barnsley", 53.5526, -1.4797, ("S70", "S71", "S72", "S73", "S74", "S75", "S36")),
    LocalityFacts(
        "calderdale", "Calderdale", 53.7248, -1.8658, ("HX1", "HX2", "HX3", "HX4", "HX5", "HX6", "HX7", "HD6", "OL14")
    ),
    LocalityFacts(
        "kirklees",
        "Kirklees",
        53.6458,
        -1.7850,
        (
            "HD1",
            "HD2",
            "HD3",
            "HD4",
            "HD5",
            "HD7",
            "HD8",
            "HD9",
            "WF12",
            "WF13",
            "WF14",
            "WF15",
            "WF16",
            "WF17",
            "BD19",
        ),
    ),
    LocalityFacts(
        "wakefield",
        "Wakefield",
        53.6833,
        -1.4977,
        ("WF1", "WF2", "WF3", "WF4", "WF5", "WF6", "WF7", "WF8", "WF9", "WF10", "WF11"),
    ),
)


def list_localities(session: Session) -> list[Locality]:
    return list(session.exec(select(Locality).order_by(Locality.name)))


def get_locality_by_slug(session: Session, slug: str) -> Locality | None:
    return session.exec(select(Locality).where(Locality.slug == slug)).first()
