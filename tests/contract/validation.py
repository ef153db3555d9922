"""A response body against the SDK's type for it, with two decisions the TypeScript types cannot carry:

- Extra fields are allowed. The generator marks every object `additionalProperties: false` (TypeScript types are
  closed), but JSON clients (the generated Dart models, immich-go's Go structs, the web app) ignore fields they do not
  know, so an extra field breaks nobody. A field the SDK declares is still checked wherever it appears, so an extra
  field can never collide with a declared one unnoticed; missing required fields and wrong types fail.
- Dates are typed `string` in the SDK, but clients parse Immich's exact formats: asset dates as
  `2021-06-15T10:30:00.000Z` (immich-go's ImmichTime accepts only that layout), EXIF dates with a `+00:00` offset
  (immich-go's ImmichExifTime accepts only `...+00:00`, with 0 to 3 fraction digits). Every field named as a date
  gets the pattern of its format."""

from __future__ import annotations

import copy
import re
from functools import cache

from jsonschema import Draft7Validator

from tests.contract.sdk import Contract

ASSET_DATE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"
EXIF_DATE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?\+00:00$"
# Every date Immich answers is a JavaScript Date's JSON, but EXIF's, which keep the `+00:00` form immich-go parses.
EXIF_DATES = {("ExifResponseDto", "dateTimeOriginal"), ("ExifResponseDto", "modifyDate")}
_DATE_NAME = re.compile(r"(At|Date|Timestamp)$")


def _allow_extra_fields(node) -> None:
    if isinstance(node, dict):
        if node.get("additionalProperties") is False:
            del node["additionalProperties"]
        for value in node.values():
            _allow_extra_fields(value)
    elif isinstance(node, list):
        for value in node:
            _allow_extra_fields(value)


def _with_date_patterns(definitions: dict) -> None:
    """A string property named as a date (`createdAt`, `startDate`, `lastModifiedAssetTimestamp`, ...) must have
    Immich's format: the SDK types them as plain strings."""
    for name, definition in definitions.items():
        for field, schema in definition.get("properties", {}).items():
            if _DATE_NAME.search(field) or (name, field) in EXIF_DATES:  # a pattern holds for strings only
                pattern = EXIF_DATE if (name, field) in EXIF_DATES else ASSET_DATE
                definition["properties"][field] = {**schema, "pattern": pattern}


@cache
def _definitions(contract: Contract) -> dict:
    schema = copy.deepcopy(contract.schema)
    _allow_extra_fields(schema)
    _with_date_patterns(schema["definitions"])
    return schema


@cache
def _validator(contract: Contract, response_type: str) -> Draft7Validator:
    schema = _definitions(contract)
    root = schema["definitions"]["ContractResponses"]["properties"][response_type]
    return Draft7Validator({"$schema": schema["$schema"], "definitions": schema["definitions"], **root})


def violations(contract: Contract, response_type: str, body) -> list[str]:
    """Every way `body` breaks the SDK's type, one line each naming the JSON path."""
    errors = sorted(_validator(contract, response_type).iter_errors(body), key=lambda error: list(error.path))
    return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message[:300]}" for error in errors]
