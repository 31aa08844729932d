"""Check HTTP requests and responses against PostHog's API contract.

The contract is `posthog-contract.json` beside this file, derived from PostHog's own OpenAPI
document by `scripts/derive_contract.py`, with the documented differences of
`exceptions.py` applied on load.

    contract = Contract.load()
    contract.match("GET", "/api/projects/1/feature_flags/12/")    # -> Operation
    contract.check_response("GET", path, 200, body)               # -> list of problems
    contract.check_request("POST", path, body)                    # -> list of problems

    problems: list[str] = []
    install_request_checker(session, contract, problems)          # every call is checked

OpenAPI 3.0 schemas become JSON Schema (draft 2020-12) here: `nullable` turns into a null
alternative; in requests, read-only fields are not required; in responses, write-only fields
are not required and must not appear. Additional properties are allowed unless the
document forbids them.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from contract import exceptions

CONTRACT_FILE = Path(__file__).with_name("posthog-contract.json")

Mode = Literal["request", "response"]
WRITE_ONLY_MARK = "write-only field"

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if "T" not in value and " " not in value:
        raise ValueError("no time part")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("no timezone")
    return True


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if isinstance(value, str):
        date.fromisoformat(value)
    return True


@FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if isinstance(value, str) and str(uuid.UUID(value)) != value.lower():
        raise ValueError("not in canonical 8-4-4-4-12 form")
    return True


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


@FORMATS.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or "@" in value


def to_json_schema(node: Any, mode: Mode) -> Any:
    """Convert one OpenAPI 3.0 schema node into JSON Schema for `mode`."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for keyword, value in node.items():
        if keyword in ("nullable", "readOnly", "writeOnly"):
            continue
        if keyword == "properties":
            out[keyword] = {name: _property(sub, mode) for name, sub in sorted(value.items())}
        elif keyword in ("allOf", "anyOf", "oneOf"):
            out[keyword] = [to_json_schema(sub, mode) for sub in value]
        elif keyword in ("items", "additionalProperties"):
            out[keyword] = to_json_schema(value, mode)
        elif keyword == "required":
            properties = node.get("properties", {})
            hidden = "readOnly" if mode == "request" else "writeOnly"
            out[keyword] = [n for n in value if not properties.get(n, {}).get(hidden)]
        else:
            out[keyword] = value
    if node.get("nullable"):
        out = _nullable(out)
    return out


def _property(node: Any, mode: Mode) -> Any:
    if mode == "response" and isinstance(node, dict) and node.get("writeOnly"):
        return {"not": {}, "$comment": WRITE_ONLY_MARK}
    return to_json_schema(node, mode)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str) and not any(k in schema for k in ("allOf", "anyOf", "oneOf", "$ref")):
        schema = {**schema, "type": [kind, "null"]}
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if not kind and not any(k in schema for k in ("allOf", "anyOf", "oneOf", "$ref", "enum")):
        return schema  # already accepts anything, null included
    return {"anyOf": [{"type": "null"}, schema]}


@dataclass(frozen=True)
class Operation:
    """One operation of the contract, named by its operationId."""

    operation_id: str
    method: str
    path: str
    scopes: tuple[str, ...]
    pattern: re.Pattern[str]
    literal_segments: int

    def __str__(self) -> str:
        return f"{self.operation_id} ({self.method} {self.path})"


class NoOperation(LookupError):
    """No operation of the contract serves this method and path."""


class Contract:
    """The operations and schemas phsync relies on, with documented differences applied."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.operations: dict[str, Operation] = {
            operation_id: _operation(operation_id, spec)
            for operation_id, spec in document["operations"].items()
        }
        self._ordered = sorted(
            self.operations.values(), key=lambda op: (-op.literal_segments, op.path)
        )
        self._validators: dict[tuple[Mode, str], Draft202012Validator] = {}
        self._roots: dict[Mode, dict[str, Any]] = {
            mode: {
                name: to_json_schema(schema, mode)
                for name, schema in document["components"].items()
            }
            for mode in ("request", "response")
        }

    @classmethod
    def load(cls, path: Path = CONTRACT_FILE, *, with_differences: bool = True) -> Contract:
        return _load(path, with_differences)

    # ---- matching ------------------------------------------------------------------------------

    def match(self, method: str, path: str) -> Operation:
        """The operation serving `method` on a concrete URL path (or full URL)."""
        path = _path_of(path)
        for operation in self._ordered:
            if operation.method == method.upper() and operation.pattern.fullmatch(path):
                return operation
        raise NoOperation(f"no contract operation for {method.upper()} {path}")

    # ---- checking ------------------------------------------------------------------------------

    def check_request(self, method: str, path: str, body: Any) -> list[str]:
        """Problems with a request body (None = no body) sent to `method path`."""
        if exceptions.unpublished(_path_of(path)):
            return []
        try:
            operation = self.match(method, path)
        except NoOperation as error:
            return [str(error)]
        request = self.document["operations"][operation.operation_id]["request"]
        where = f"{operation.operation_id} request"
        if request is None:
            return [] if body is None else [f"{where}: the operation takes no body"]
        if body is None:
            return [f"{where}: a body is required"] if request["required"] else []
        return self._validate("request", request["schema"], body, where)

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Problems with a response (body None = empty) of `method path`."""
        if exceptions.unpublished(_path_of(path)):
            return []
        try:
            operation = self.match(method, path)
        except NoOperation as error:
            return [str(error)]
        spec = self.document["operations"][operation.operation_id]
        declared = spec["responses"]
        where = f"{operation.operation_id} {status}"
        if str(status) in declared:
            response = declared[str(status)]
            if response.get("empty"):
                return (
                    [] if body is None else [f"{where}: expected an empty body, got {_short(body)}"]
                )
            if "schema" in response:
                if body is None:
                    return [f"{where}: expected a JSON body, got none"]
                return self._validate("response", response["schema"], body, where)
            return []
        if status < 400:
            listed = ", ".join(sorted(declared)) or "none"
            return [f"{where}: status {status} is not documented (documented: {listed})"]
        if body is None:
            return [f"{where}: error answer without the error envelope"]
        shapes = [exceptions.ERROR_ENVELOPE, *spec.get("error_shapes", [])]
        return self._validate("response", {"anyOf": shapes}, body, where)

    def _validate(self, mode: Mode, schema: Mapping[str, Any], body: Any, where: str) -> list[str]:
        validator = self._validator(mode, schema)
        described = (
            f"{where}: {line}" for error in _errors(validator, body) for line in _describe(error)
        )
        return list(dict.fromkeys(described))

    def _validator(self, mode: Mode, schema: Mapping[str, Any]) -> Draft202012Validator:
        key = (mode, json.dumps(schema, sort_keys=True))
        if key not in self._validators:
            root = {
                **to_json_schema(dict(schema), mode),
                "components": {"schemas": self._roots[mode]},
            }
            self._validators[key] = Draft202012Validator(root, format_checker=FORMATS)
        return self._validators[key]


@cache
def _load(path: Path, with_differences: bool) -> Contract:
    document = json.loads(path.read_text())
    if with_differences:
        document = exceptions.apply_all(copy.deepcopy(document))
    return Contract(document)


def _operation(operation_id: str, spec: Mapping[str, Any]) -> Operation:
    path_types = spec["parameters"]["path"]
    parts: list[str] = []
    for segment in re.split(r"(\{[^}]+\})", spec["path"].rstrip("/")):
        if segment.startswith("{"):
            name = segment[1:-1]
            parts.append(r"\d+" if path_types.get(name, {}).get("type") == "integer" else "[^/]+")
        elif segment:
            parts.append(re.escape(segment))
    pattern = re.compile("".join(parts) + "/?")
    segments = spec["path"].strip("/").split("/")
    literal = sum(1 for segment in segments if not segment.startswith("{"))
    return Operation(
        operation_id=operation_id,
        method=spec["method"],
        path=spec["path"],
        scopes=tuple(spec["scopes"]),
        pattern=pattern,
        literal_segments=literal,
    )


def _path_of(path_or_url: str) -> str:
    return urlsplit(path_or_url).path or "/"


def _errors(validator: Draft202012Validator, body: Any) -> Iterable[ValidationError]:
    return sorted(validator.iter_errors(body), key=lambda e: (list(e.absolute_path), e.message))


def _describe(error: ValidationError) -> list[str]:
    """A short, readable account of one validation error.

    For anyOf/oneOf failures, the failures of the alternative that came closest (fewest
    failures, ignoring the `null` alternative that `nullable` adds) are told instead.
    """
    return [f"{_location(leaf)}: {_message(leaf)}" for leaf in _leaves(error)]


def _leaves(error: ValidationError) -> list[ValidationError]:
    if not error.context:
        return [error]
    branches: dict[object, list[ValidationError]] = {}
    for sub in error.context:
        if sub.schema == {"type": "null"}:
            continue
        branch = sub.relative_schema_path[0] if sub.relative_schema_path else None
        branches.setdefault(branch, []).extend(_leaves(sub))
    if not branches:
        return [error]
    return min(branches.values(), key=len)


def _message(error: ValidationError) -> str:
    instance = error.instance
    if error.validator == "required":
        return "missing required field " + error.message.removesuffix(" is a required property")
    if isinstance(error.schema, dict) and error.schema.get("$comment") == WRITE_ONLY_MARK:
        return "write-only field present in a response"
    if error.validator == "type":
        return f"expected {error.validator_value}, got {_kind(instance)} {_short(instance)}"
    if error.validator == "enum":
        return f"{_short(instance)} is not one of {_short(error.validator_value, 200)}"
    if error.validator == "format":
        return f"{_short(instance)} is not a valid {error.validator_value}"
    if error.validator == "additionalProperties":
        return error.message
    return f"{_short(instance)} fails {error.validator} {_short(error.validator_value)}"


def _location(error: ValidationError) -> str:
    parts = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return "body" + parts


def _kind(value: Any) -> str:
    return {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "integer",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---- requests hook -----------------------------------------------------------------------------


def decode_body(raw: bytes | str | None) -> Any:
    """A request/response body as JSON (None when empty); undecodable bodies stay as text."""
    if raw is None or raw in (b"", ""):
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text)
    except ValueError:
        return text


def install_request_checker(
    session: requests.Session,
    contract: Contract,
    problems: list[str],
    *,
    check_responses: bool = False,
    only_api: bool = True,
) -> Callable[..., None]:
    """Check every request `session` sends (and, optionally, every answer) against `contract`.

    Problems are appended to `problems` as readable strings prefixed with "METHOD path";
    the call itself is never blocked. Works with `responses` mocks and real servers alike
    (it is a response hook, so adapters mounted later do not undo it). With `only_api`,
    URLs whose path does not start with /api/ are ignored. Returns the hook so a test can
    remove it from `session.hooks["response"]`.
    """

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        method = (request.method or "GET").upper()
        path = _path_of(request.url or "")
        if only_api and not path.startswith("/api/"):
            return
        prefix = f"{method} {path}: "
        found = contract.check_request(method, path, decode_body(request.body))
        if check_responses:
            found += contract.check_response(
                method, path, response.status_code, decode_body(response.content)
            )
        problems.extend(prefix + problem for problem in found)

    session.hooks["response"].append(hook)
    return hook
