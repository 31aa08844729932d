"""A quick yes/no check of a document against one of phsync's JSON Schemas.

Almost every manifest is valid, and jsonschema spends most of ``validate`` proving it (it
builds a validator object per subschema and value). This module compiles a schema once into
plain closures that only answer "valid or not"; :mod:`reconciler.manifests.schema` runs
jsonschema, for its positioned errors, only on documents this check rejects. The answer must
never be "valid" where jsonschema would find an error, so the check follows Draft 2020-12
exactly for the keywords the packaged schemas use, and refuses to compile (raises
:class:`Unsupported`) a schema with any other keyword, so that jsonschema alone judges it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

# Keywords that never make a document invalid.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "examples",
     "patternErrorMessage", "deprecated", "readOnly", "writeOnly", "$defs"}
)  # fmt: skip


_OBJECT_KEYWORDS = frozenset({"properties", "additionalProperties", "required"})


class Unsupported(ValueError):
    """The schema uses a keyword or a reference this check does not implement."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
}


def equal(one: Any, two: Any) -> bool:
    """JSON Schema equality: ``true`` is not ``1``, ``1`` is ``1.0``, containers compared deeply."""
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return type(one) is type(two) and one == two
    return bool(one == two)


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, dict):
            raise Unsupported(f"a schema must be an object or a boolean, got {schema!r}")
        names = [name for name in schema if name not in _ANNOTATIONS]
        found = [self._object(schema)] if _OBJECT_KEYWORDS.intersection(names) else []
        for name in names:
            if name not in _OBJECT_KEYWORDS:
                check = self._keyword(name, schema)
                if check is not None:
                    found.append(check)
        if not found:
            return lambda value: True
        if len(found) == 1:
            return found[0]

        def every(value: Any) -> bool:
            # A loop, not all() over a generator: this runs for every value of every manifest.
            for check in found:  # noqa: SIM110
                if not check(value):
                    return False
            return True

        return every

    def _object(self, schema: dict[str, Any]) -> Check:
        """``properties``, ``additionalProperties`` and ``required`` in one pass over a mapping."""
        if "patternProperties" in schema:
            raise Unsupported("patternProperties")
        props = {key: self.compile(sub) for key, sub in (schema.get("properties") or {}).items()}
        extra_schema = schema.get("additionalProperties", True)
        forbid_extra = extra_schema is False
        extra = None if isinstance(extra_schema, bool) else self.compile(extra_schema)
        required = tuple(schema.get("required") or ())

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for name in required:
                if name not in value:
                    return False
            for key, item in value.items():
                test = props.get(key)
                if test is not None:
                    if not test(item):
                        return False
                elif forbid_extra or (extra is not None and not extra(item)):
                    return False
            return True

        return check

    def _ref(self, ref: Any) -> Check:
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise Unsupported(f"only local references are supported, not {ref!r}")
        if ref not in self.refs:
            target: Any = self.root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise Unsupported(f"unresolvable reference {ref!r}")
                target = target[part]
            compiled: list[Check] = []
            self.refs[ref] = lambda value: compiled[0](value)  # recursion-safe placeholder
            compiled.append(self.compile(target))
        return self.refs[ref]

    def _keyword(self, name: str, schema: dict[str, Any]) -> Check | None:
        value = schema[name]
        if name == "type":
            names = [value] if isinstance(value, str) else list(value)
            if any(n not in _TYPES for n in names):
                raise Unsupported(f"unknown type in {value!r}")
            tests = [_TYPES[n] for n in names]
            if len(tests) == 1:
                return tests[0]
            return lambda v: any(test(v) for test in tests)
        if name == "$ref":
            return self._ref(value)
        if name == "const":
            return lambda v: equal(v, value)
        if name == "enum":
            options = list(value)
            return lambda v: any(equal(v, option) for option in options)
        if name == "minLength":
            return lambda v: not isinstance(v, str) or len(v) >= value
        if name == "maxLength":
            return lambda v: not isinstance(v, str) or len(v) <= value
        if name == "pattern":
            search = re.compile(value).search
            return lambda v: not isinstance(v, str) or search(v) is not None
        if name == "minimum":
            return lambda v: not _is_number(v) or v >= value
        if name == "maximum":
            return lambda v: not _is_number(v) or v <= value
        if name == "minItems":
            return lambda v: not isinstance(v, list) or len(v) >= value
        if name == "maxItems":
            return lambda v: not isinstance(v, list) or len(v) <= value
        if name == "uniqueItems":
            if not value:
                return None
            return lambda v: not isinstance(v, list) or all(
                not equal(v[i], v[j]) for i in range(len(v)) for j in range(i + 1, len(v))
            )
        if name == "items":
            if "prefixItems" in schema:
                raise Unsupported("prefixItems")
            item = self.compile(value)

            def items(v: Any) -> bool:
                if isinstance(v, list):
                    for x in v:
                        if not item(x):
                            return False
                return True

            return items
        if name == "propertyNames":
            key_check = self.compile(value)
            return lambda v: not isinstance(v, dict) or all(key_check(k) for k in v)
        if name == "allOf":
            parts = [self.compile(sub) for sub in value]
            return lambda v: all(part(v) for part in parts)
        if name == "anyOf":
            options = [self.compile(sub) for sub in value]
            return lambda v: any(option(v) for option in options)
        if name == "if":
            condition = self.compile(value)
            then = self.compile(schema.get("then", True))
            otherwise = self.compile(schema.get("else", True))
            return lambda v: then(v) if condition(v) else otherwise(v)
        if name in ("then", "else"):
            return None  # judged with "if"; alone they mean nothing
        raise Unsupported(f"keyword {name!r}")


def compile_schema(schema: Mapping[str, Any]) -> Check:
    """A function that tells whether a document is valid against ``schema``.

    Raises :class:`Unsupported` when the schema needs a keyword this module does not know.
    """
    return _Compiler(schema).compile(dict(schema))
