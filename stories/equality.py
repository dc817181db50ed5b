"""Optional equality-monitoring questions, each with "Prefer not to say" (NHS ethnic categories)."""

from __future__ import annotations

from dataclasses import dataclass

PREFER_NOT = "Prefer not to say"
NOT_ANSWERED = "Not answered"


@dataclass(frozen=True)
class Question:
    label: str
    options: tuple[str, ...]


def _with_prefer_not(*options: str) -> tuple[str, ...]:
    return (*options, PREFER_NOT)


QUESTIONS: dict[str, Question] = {
    "age_band": Question(
        "Age band",
        _with_prefer_not(
            "Under 18", "18 to 24", "25 to 34", "35 to 44", "45 to 54", "55 to 64", "65 to 74", "75 and over"
        ),
    ),
    "sex": Question("Sex", _with_prefer_not("Female", "Male")),
    "gender_identity": Question(
        "Is your gender the same as the sex you were registered at birth?", _with_prefer_not("Yes", "No")
    ),
    "ethnic_group": Question(
        "Ethnic group",
        _with_prefer_not(
            # NHS Data Dictionary ethnic categories (2001 census based codes A-S, Z = not stated).
            "White: British",
            "White: Irish",
            "White: Any other White background",
            "Mixed: White and Black Caribbean",
            "Mixed: White and Black African",
            "Mixed: White and Asian",
            "Mixed: Any other mixed background",
            "Asian or Asian British: Indian",
            "Asian or Asian British: Pakistani",
            "Asian or Asian British: Bangladeshi",
            "Asian or Asian British: Any other Asian background",
            "Black or Black British: Caribbean",
            "Black or Black British: African",
            "Black or Black British: Any other Black background",
            "Other ethnic groups: Chinese",
            "Other ethnic groups: Any other ethnic group",
        ),
    ),
    "disability": Question("Do you consider yourself to have a disability?", _with_prefer_not("Yes", "No")),
    "sexual_orientation": Question(
        "Sexual orientation",
        _with_prefer_not("Heterosexual or straight", "Gay or lesbian", "Bisexual", "Other sexual orientation"),
    ),
    "religion": Question(
        "Religion or belief",
        _with_prefer_not(
            "No religion", "Christian", "Buddhist", "Hindu", "Jewish", "Muslim", "Sikh", "Any other religion or belief"
        ),
    ),
}


def answer_label(value: str | None) -> str:
    return value if value else NOT_ANSWERED
