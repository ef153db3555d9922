"""A request that does not fit its input serializer, told as Immich 3.1 tells it.

Immich 3.1 validates its DTOs with zod and answers 400 `{"message": "Validation failed", "errors": [issue, ...]}`,
each issue `{"code", "path", "message"}` as zod writes it (`@immich/sdk`'s `ApiValidationError`): `path` is the list
of keys and list indexes down to the wrong value, `message` zod's text ("Invalid input: expected string, received
undefined", "Invalid UUID", "Too big: expected number to be <=100"). DRF's errors carry a code per problem; this module
turns them into those issues, once, for every view (`immich.api.validated`) and for DRF's own ValidationError. A check
written in a serializer (`serializers.ValidationError("duration is too long")`) is a `custom` issue with its text."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

_MISSING = object()

# What zod calls the type a field expects, by DRF field class (first match in the field's MRO).
_EXPECTED: tuple[tuple[type, str], ...] = (
    (serializers.BooleanField, "boolean"),
    (serializers.IntegerField, "number"),
    (serializers.FloatField, "number"),
    (serializers.DecimalField, "number"),
    (serializers.ListField, "array"),
    (serializers.ListSerializer, "array"),
    (serializers.MultipleChoiceField, "array"),
    (serializers.DictField, "object"),
    (serializers.Serializer, "object"),
    (serializers.FileField, "file"),
)
# String fields with a format: a string of the wrong form is `invalid_format` with zod's text.
_FORMATS: tuple[tuple[type, str], ...] = (
    (serializers.EmailField, "Invalid email address"),
    (serializers.UUIDField, "Invalid UUID"),
    (serializers.DateTimeField, "Invalid ISO datetime"),
    (serializers.DateField, "Invalid ISO date"),
)


def _expected(field) -> str:
    for cls, name in _EXPECTED:
        if isinstance(field, cls):
            return name
    return "string"


def _received(value) -> str:
    """The value's type as JavaScript names it, which zod reports."""
    if value is _MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def _subject(field) -> str:
    return "array" if _expected(field) == "array" else "string"


def _issue(code: str, path: list, message: str) -> dict:
    return {"code": code, "path": path, "message": message}


def _is_drf_own(error, field, code) -> bool:
    """Whether DRF's field wrote this error (its template for the code), not a check of ours raised with that code
    (`validate_<field>` raises code "invalid" too)."""
    template = field.error_messages.get(code)
    if template is None:
        return False
    pattern = re.sub(r"\\\{\w+\\\}", ".*", re.escape(str(template)))
    return re.fullmatch(pattern, str(error), flags=re.DOTALL) is not None


def _field_issue(error, field, value, path: list) -> dict:  # noqa: C901  (one branch per DRF code)
    code = getattr(error, "code", None)
    if field is None or not _is_drf_own(error, field, code):
        return _issue("custom", path, str(error))
    expected = _expected(field)
    if code in ("required", "null") or (code == "not_a_list" and value is not _MISSING):
        return _issue("invalid_type", path, f"Invalid input: expected {expected}, received {_received(value)}")
    if code in ("blank", "empty"):
        unit = "items" if code == "empty" else "characters"
        return _issue("too_small", path, f"Too small: expected {_subject(field)} to have >=1 {unit}")
    if code in ("min_length", "max_length", "max_string_length"):
        small = code == "min_length"
        limit = field.min_length if small else getattr(field, "max_length", None)
        unit = "items" if _subject(field) == "array" else "characters"
        return _issue(
            "too_small" if small else "too_big",
            path,
            f"Too {'small' if small else 'big'}: expected {_subject(field)} to have {'>=' if small else '<='}{limit} {unit}",
        )
    if code in ("min_value", "max_value"):
        small = code == "min_value"
        limit = field.min_value if small else field.max_value
        return _issue(
            "too_small" if small else "too_big",
            path,
            f"Too {'small' if small else 'big'}: expected number to be {'>=' if small else '<='}{limit}",
        )
    if code == "invalid_choice":
        options = "|".join(f'"{choice}"' for choice in field.choices)
        return _issue("invalid_value", path, f"Invalid option: expected one of {options}")
    if code in ("invalid", "date", "datetime", "not_a_dict", "max_whole_digits", "max_digits", "overflow"):
        for cls, message in _FORMATS:
            if isinstance(field, cls) and isinstance(value, str):
                return _issue("invalid_format", path, message)
        if expected != "string" or not isinstance(value, str):
            return _issue("invalid_type", path, f"Invalid input: expected {expected}, received {_received(value)}")
    return _issue("custom", path, str(error))


def _child(field, key):
    """The field that validated `key` under `field` (a nested serializer's field, a list's child)."""
    if field is None:
        return None
    if isinstance(field, (serializers.ListField, serializers.ListSerializer)):
        return field.child
    if isinstance(field, serializers.DictField):
        return field.child
    if isinstance(field, serializers.Serializer):
        return field.fields.get(key)
    return None


def _value(data, key):
    if isinstance(data, dict):  # QueryDicts too (query strings, multipart forms)
        return data.get(key, _MISSING)
    if isinstance(data, (list, tuple)) and isinstance(key, int) and 0 <= key < len(data):
        return data[key]
    return _MISSING


def _walk(detail, field, data, path: list, issues: list[dict]) -> None:
    if isinstance(detail, dict):
        for key, sub in detail.items():
            if key in ("non_field_errors", "detail"):
                _walk(sub, None, data, path, issues)
                continue
            index = int(key) if isinstance(key, int) or (isinstance(key, str) and key.isdigit()) else key
            _walk(sub, _child(field, index), _value(data, index), [*path, index], issues)
    elif isinstance(detail, list):
        if detail and all(isinstance(item, (dict, list)) for item in detail):  # many=True: one entry per item
            for index, sub in enumerate(detail):
                if sub:
                    _walk(sub, _child(field, index), _value(data, index), [*path, index], issues)
            return
        for error in detail:
            _walk(error, field, data, path, issues)
    else:
        issues.append(_field_issue(detail, field, data, path))


def validation_issues(detail: Any, *, serializer: serializers.BaseSerializer | None = None) -> list[dict]:
    """Zod-shaped issues from DRF's error detail; with the serializer that refused the input, the issues know the
    type each field expected and the type it received."""
    issues: list[dict] = []
    data = getattr(serializer, "initial_data", _MISSING) if serializer is not None else _MISSING
    _walk(detail, serializer, data, [], issues)
    return issues
