"""DRF field coercion with DRF's messages and codes, for request bodies.

Each function takes the raw JSON value and the attribute name, and returns the value the
serializer would store, or raises the 400 that drf-exceptions-hog renders (``attr`` = field).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from reconciler.emulator import clock
from reconciler.emulator.wire import JSON, Problem, validation

_TRUE = {
    True,
    "true",
    "True",
    "TRUE",
    "t",
    "T",
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "on",
    "On",
    "ON",
    "1",
}
_FALSE = {
    False,
    "false",
    "False",
    "FALSE",
    "f",
    "F",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "off",
    "Off",
    "OFF",
    "0",
}


def _null(attr: str) -> Problem:
    return validation("This field may not be null.", attr=attr, code="null")


def string(
    value: Any,
    attr: str,
    *,
    max_length: int | None = None,
    allow_blank: bool = True,
    allow_null: bool = False,
    trim: bool = True,
) -> str | None:
    """DRF ``CharField``: numbers become strings, booleans and containers are refused."""
    if value is None:
        if allow_null:
            return None
        raise _null(attr)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise validation("Not a valid string.", attr=attr)
    text = str(value)
    if trim:
        text = text.strip()
    if not text and not allow_blank:
        if allow_null:
            return None
        raise validation("This field may not be blank.", attr=attr, code="blank")
    if max_length is not None and len(text) > max_length:
        raise validation(
            f"Ensure this field has no more than {max_length} characters.",
            attr=attr,
            code="max_length",
        )
    return text


def boolean(value: Any, attr: str, *, allow_null: bool = False) -> bool | None:
    """DRF ``BooleanField``: accepts the usual spellings of true and false."""
    if value is None:
        if allow_null:
            return None
        raise _null(attr)
    try:
        if value in _TRUE and not isinstance(value, float):
            return True
        if value in _FALSE and not isinstance(value, float):
            return False
    except TypeError:  # unhashable (list, dict)
        pass
    raise validation("Must be a valid boolean.", attr=attr)


def integer(value: Any, attr: str, *, allow_null: bool = False) -> int | None:
    if value is None:
        if allow_null:
            return None
        raise _null(attr)
    if isinstance(value, bool):
        raise validation("A valid integer is required.", attr=attr)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise validation("A valid integer is required.", attr=attr)


def choice(value: Any, attr: str, choices: Iterable[Any], *, allow_null: bool = False) -> Any:
    if value is None:
        if allow_null:
            return None
        raise _null(attr)
    options = list(choices)
    if value in options or (not isinstance(value, str) and str(value) in options):
        return value if value in options else str(value)
    raise validation(f'"{value}" is not a valid choice.', attr=attr, code="invalid_choice")


def dictionary(value: Any, attr: str, *, allow_null: bool = False) -> JSON | None:
    if value is None:
        if allow_null:
            return None
        raise _null(attr)
    if not isinstance(value, dict):
        raise validation(
            f'Expected a dictionary of items but got type "{_py_type(value)}".',
            attr=attr,
            code="not_a_dict",
        )
    return value


def listing(value: Any, attr: str, *, allow_null: bool = False) -> list[Any] | None:
    if value is None:
        if allow_null:
            return None
        raise _null(attr)
    if isinstance(value, str) or not isinstance(value, list):
        raise validation(
            f'Expected a list of items but got type "{_py_type(value)}".',
            attr=attr,
            code="not_a_list",
        )
    return value


def datetime_value(value: Any, attr: str, *, allow_null: bool = True) -> str | None:
    """DRF ``DateTimeField`` input; stored and returned as PostHog's ISO form."""
    if value is None or value == "":
        if allow_null:
            return None
        raise _null(attr)
    parsed: datetime | None = clock.parse(value) if isinstance(value, str) else None
    if parsed is None:
        raise validation(
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
            attr=attr,
        )
    return clock.iso(parsed)


def tags(value: Any, attr: str = "tags") -> list[str]:
    """Tags as PostHog stores them: stripped, lower-cased, deduplicated (sorted here)."""
    items = listing(value, attr) or []
    return sorted({str(item).strip().lower() for item in items if str(item).strip()})


def _py_type(value: Any) -> str:
    return {str: "str", int: "int", float: "float", bool: "bool", list: "list", dict: "dict"}.get(
        type(value), type(value).__name__
    )


def required(data: JSON, name: str) -> Any:
    if name not in data:
        raise validation("This field is required.", attr=name, code="required")
    return data[name]
