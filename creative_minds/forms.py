"""Turn submitted form fields into validated input models, with plain-language field errors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin
from urllib.parse import urlparse

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, Field, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from creative_minds.exceptions import Invalid
from creative_minds.money import MoneyError, parse_pounds
from creative_minds.postcodes import normalise_postcode

M = TypeVar("M", bound=BaseModel)
UNIONS = (Union, UnionType)


# Reusable field types --------------------------------------------------------------------------


def _as_utc(value: Any) -> Any:
    """Times are stored as naive UTC; an API answer says so (RFC 3339 needs the offset)."""
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value


UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_as_utc)]


def blank_to_none(value: Any) -> Any:
    """An empty or blank answer means no answer."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _postcode(value: str) -> str:
    return normalise_postcode(value)


def _website(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not re.match(r"^https?://", text, re.I):
        text = "https://" + text
    parsed = urlparse(text)
    if not parsed.netloc or "." not in parsed.netloc or " " in text:
        raise ValueError("Enter a web address, like https://example.org.")
    return text


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    digits = re.sub(r"\D", "", text)
    if not re.fullmatch(r"[0-9+()\-\s]+", text) or not 10 <= len(digits) <= 13:
        raise ValueError("Enter a UK phone number, like 01484 123456.")
    return text


def _dates(value: Any) -> Any:
    """Accept 31/03/2027 as well as the ISO 2027-03-31 that date inputs send."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", value)
        if match:
            day, month, year = (int(g) for g in match.groups())
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                return value
    return value


OptionalText = Annotated[str | None, BeforeValidator(blank_to_none), BeforeValidator(_strip)]
Text = Annotated[str, BeforeValidator(_strip)]
Postcode = Annotated[str, BeforeValidator(_strip), AfterValidator(_postcode)]
Website = Annotated[str | None, BeforeValidator(blank_to_none), AfterValidator(_website)]
Phone = Annotated[str | None, BeforeValidator(blank_to_none), AfterValidator(_phone)]
OptionalDate = Annotated[date | None, BeforeValidator(blank_to_none), BeforeValidator(_dates)]
OptionalInt = Annotated[int | None, BeforeValidator(blank_to_none)]
# A row's id as typed in a form: a positive whole number within PostgreSQL's integer range.
Id = Annotated[int, Field(gt=0, le=2**31 - 1)]
# Money in whole pence, as the database keeps it (an integer column: at most £21,474,836.47).
MAX_PENCE = 2**31 - 1
Pence = Annotated[int, Field(ge=0, le=MAX_PENCE)]
PositivePence = Annotated[int, Field(gt=0, le=MAX_PENCE)]
OptionalId = Annotated[int | None, BeforeValidator(blank_to_none), Field(gt=0, le=2**31 - 1)]


def raise_field(field: str, message: str) -> None:
    """From a model validator: raise an error that belongs to one field."""
    raise_fields({field: message})


def raise_fields(messages: Mapping[str, str]) -> None:
    """From a model validator: raise one error for each field named, all shown at once (nothing if none)."""
    if not messages:
        return
    raise ValidationError.from_exception_data(
        "Form",
        [
            InitErrorDetails(
                type=PydanticCustomError("value_error", "{message}", {"message": message}), loc=(field,), input=None
            )
            for field, message in messages.items()
        ],
    )


# Error messages --------------------------------------------------------------------------------


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "This is required."
    if kind == "string_too_short":
        return f"Use at least {ctx.get('min_length')} characters."
    if kind == "string_too_long":
        return f"Use {ctx.get('max_length')} characters or fewer."
    if kind in {"too_short"} and ctx.get("min_length") == 1:
        return "Choose at least one."
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "Enter a whole number, like 12."
    if kind.startswith("date") or kind == "date_type":
        return "Enter a date, like 31/03/2027."
    if kind.startswith("time"):
        return "Enter a time, like 14:30."
    if kind in {"greater_than_equal", "greater_than"}:
        return f"Must be {ctx.get('ge', ctx.get('gt'))} or more."
    if kind in {"less_than_equal", "less_than"}:
        return f"Must be {ctx.get('le', ctx.get('lt'))} or less."
    if kind in {"enum", "literal_error"}:
        return "Choose one of the options."
    if kind in {"bool_parsing", "bool_type"}:
        return "Choose yes or no."
    if kind == "value_error":
        text = str(error.get("msg", ""))
        if "valid email address" in text:
            return "Enter an email address, like name@example.org."
        return text.removeprefix("Value error, ")
    return str(error.get("msg", "This is not valid."))


def field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error.get("loc") or ("__all__",)
        key = str(loc[0]) if loc else "__all__"
        errors.setdefault(key, _message(error))
    return errors


# Form parsing -----------------------------------------------------------------------------------


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[-1] if value else ""
    return value


def form_shape(model: type[BaseModel]) -> tuple[set[str], set[str], dict[str, bool]]:
    """What an input model's fields need from a form, read from the model itself.

    Lists (several values), checkboxes (booleans: absent means unticked) and money: every
    `*_pence` field is typed in pounds under the name without `_pence` (`budget` for
    `budget_pence`), and may be left blank when the model gives it a default.
    """
    lists, boxes, money = set(), set(), {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        options = [a for a in get_args(annotation) if a is not type(None)] if get_origin(annotation) in UNIONS else []
        if len(options) == 1:
            annotation = options[0]
        if name.endswith("_pence"):
            money[name] = not field.is_required()
        elif annotation is bool:
            boxes.add(name)
        elif get_origin(annotation) in (list, set, tuple) or annotation in (list, set, tuple):
            lists.add(name)
    return lists, boxes, money


def form_values(
    raw: Mapping[str, Any],
    model: type[BaseModel] | None = None,
    *,
    lists: Iterable[str] = (),
    checkboxes: Iterable[str] = (),
    money: Iterable[str] = (),
) -> tuple[dict[str, Any], dict[str, str]]:
    """Flatten raw form fields: lists stay lists, ticked boxes become booleans, pounds become pence.

    Which fields are which comes from `model` (see `form_shape`); `lists`, `checkboxes` and
    `money` name more for a form that is not one model. Returns the values and any money errors.
    """
    list_names, box_names = set(lists), set(checkboxes)
    money_names = dict.fromkeys(money, False)
    if model is not None:
        model_lists, model_boxes, model_money = form_shape(model)
        list_names |= model_lists
        box_names |= model_boxes
        money_names.update(model_money)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in raw.items():
        if key in {"_csrf_token", "csrf_token"}:
            continue
        if key in list_names:
            items = value if isinstance(value, list) else [value]
            values[key] = [v for v in items if str(v).strip()]
        else:
            single = _first(value)
            if isinstance(single, str) and not single.strip():
                continue  # a blank field means "not given": the model's default applies
            values[key] = single
    for key in list_names:
        values.setdefault(key, [])
    for key in box_names:
        values[key] = str(values.get(key, "")).lower() in {"on", "true", "1", "yes"}
    for key, may_be_blank in money_names.items():
        source = key.removesuffix("_pence")
        try:
            pence = parse_pounds(values.get(source, ""), allow_blank=may_be_blank)
            if pence is not None:
                values[key] = pence
        except MoneyError as exc:
            errors[key] = str(exc)
            values.pop(key, None)
    return values, errors


def validate(model: type[M], values: Mapping[str, Any], errors: dict[str, str] | None = None) -> M:
    """Validate values into `model`, or raise Invalid carrying every field error at once."""
    found = dict(errors or {})
    try:
        result = model.model_validate(dict(values))
    except ValidationError as exc:
        for key, message in field_errors(exc).items():
            found.setdefault(key, message)
        raise Invalid("Some answers need checking. Look for the messages beside each question.", errors=found) from exc
    if found:
        raise Invalid("Some answers need checking. Look for the messages beside each question.", errors=found)
    return result


def parse_date_or_none(raw: str) -> date | None:
    """A YYYY-MM-DD query value, or None for anything else (a filter never fails on a bad date)."""
    try:
        return date.fromisoformat(raw.strip()) if raw and len(raw.strip()) == 10 else None
    except ValueError:
        return None


MAX_ID = 2**31 - 1


def parse_id(raw: str | None) -> int | None:
    """A row id typed in a query string or form: ASCII digits within PostgreSQL's integer range, else None.
    (`"¹³".isdigit()` is true but int() refuses it, so isdigit alone is not enough.)"""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
