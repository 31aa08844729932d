"""Every object of the demo seed, listed page by page and read one by one, conforms.

The seed holds shapes the table cases do not create (legacy flags, behavioral and static
cohorts, dashboards with insight tiles, inactive Endpoints), so each is read back here.
"""

from __future__ import annotations

from typing import Any

import pytest
from contract.checker import decode_body

from conformance.harness import Api, World

# collection -> (field that names an object in its detail path, extra detail suffixes)
COLLECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "feature_flags": ("id", ("activity/",)),
    "cohorts": ("id", ("persons/", "activity/")),
    "dashboards": ("id", ()),
    "annotations": ("id", ()),
    "persons": ("uuid", ()),
    "session_recordings": ("id", ()),
    "endpoints": ("name", ("run/",)),
}


def checked_get(api: Api, path: str) -> Any:
    response = api.call("GET", path)
    body = decode_body(response.content)
    problems = api.contract.check_response("GET", path, response.status_code, body)
    assert problems == [], "\n".join(problems)
    return response.status_code, body


@pytest.mark.parametrize("collection", sorted(COLLECTIONS))
def test_every_seeded_object_conforms(api: Api, world: World, collection: str) -> None:
    field, suffixes = COLLECTIONS[collection]
    base = world.format("/api/projects/{pid}/" + collection + "/?limit=7")
    path: str | None = base
    objects: list[dict[str, Any]] = []
    while path:
        status, page = checked_get(api, path)
        assert status == 200, page
        objects.extend(page["results"])
        if "has_next" in page:  # recordings page by offset (posthog-api.md §1.5)
            path = f"{base}&offset={len(objects)}" if page["has_next"] else None
        else:
            path = page["next"].removeprefix(api.base) if page.get("next") else None
    assert objects, f"the demo seed should hold {collection}"
    for item in objects:
        detail = world.format("/api/projects/{pid}/" + collection + f"/{item[field]}/")
        status, _ = checked_get(api, detail)
        assert status == 200, detail
        for suffix in suffixes:
            # posthog-api.md §8.4: an inactive Endpoint cannot be run (404).
            inactive = suffix == "run/" and not item.get("is_active", True)
            status, body = checked_get(api, detail + suffix)
            assert status == (404 if inactive else 200), (detail + suffix, body)
