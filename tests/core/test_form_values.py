"""A form's fields are read from its input model: one declaration per money field, list or box."""

from pydantic import BaseModel, Field

from creative_minds.forms import form_values


class GrantForm(BaseModel):
    title: str
    budget_pence: int
    fee_pence: int = 0
    themes: list[str] = Field(default_factory=list)
    wheelchair_accessible: bool = False
    note: str | None = None


def test_pounds_are_read_into_the_pence_field_named_after_them():
    values, errors = form_values({"title": "Choir", "budget": "£1,250.50", "fee": "3"}, GrantForm)
    assert errors == {}
    assert values["budget_pence"] == 125_050 and values["fee_pence"] == 300


def test_blank_money_takes_the_models_default_or_is_asked_for():
    values, errors = form_values({"title": "Choir", "budget": "", "fee": " "}, GrantForm)
    assert "fee_pence" not in values  # the model's default (free) applies
    assert set(errors) == {"budget_pence"} and "Enter an amount" in errors["budget_pence"]


def test_lists_keep_every_answer_and_boxes_are_unticked_when_absent():
    values, _ = form_values({"title": "Choir", "budget": "1", "themes": ["music", "", "singing"]}, GrantForm)
    assert values["themes"] == ["music", "singing"] and values["wheelchair_accessible"] is False
    values, _ = form_values(
        {"title": "Choir", "budget": "1", "themes": "music", "wheelchair_accessible": "on"}, GrantForm
    )
    assert values["themes"] == ["music"] and values["wheelchair_accessible"] is True
    assert values["budget_pence"] == 100 and "note" not in values
