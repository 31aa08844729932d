"""Writing manifests as YAML, deterministically: block style, the caller's field order, strings
quoted only when YAML needs it (so phsync's reader reads back the same value), multi-line strings
as literal blocks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from yaml.nodes import ScalarNode

from reconciler.manifests.yamlcompose import CORE, CoreResolver


class _Dumper(yaml.SafeDumper):
    """Block style with list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_PLAIN_READER: Any = CoreResolver()


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    if style is None and _PLAIN_READER.resolve(ScalarNode, data, (True, False)) != CORE + "str":
        style = "'"  # plain, phsync's reader would take it for a number, boolean or null
    return dumper.represent_scalar(CORE + "str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_manifest(doc: Mapping[str, Any]) -> str:
    """One manifest as YAML text, fields in the order ``doc`` gives them."""
    text = yaml.dump(
        _plain(doc),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
        indent=2,
    )
    return str(text)


def dump_manifests(docs: Iterable[Mapping[str, Any]]) -> str:
    """Several manifests as one YAML stream, separated by ``---``."""
    return "---\n".join(dump_manifest(doc) for doc in docs)


def _plain(value: Any) -> Any:
    """Mappings and sequences as dicts and lists, so that the safe dumper accepts them."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
