"""Cohorts through a mocked PostHog: lookup by name or #ID, ambiguity, members page by page."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from responses import matchers

from reconciler.client import PostHogClient
from reconciler.errors import ConfigError, NotFoundError
from reconciler.queries.cohorts import cohort_persons, get_cohort, iter_cohorts
from reconciler.queries.common import take
from tests.queries.conftest import BASE, page

COHORTS = f"{BASE}/cohorts/"


def cohort(cohort_id: int, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": cohort_id,
        "name": name,
        "description": "",
        "is_static": False,
        "count": 3,
        "filters": {
            "properties": {
                "type": "OR",
                "values": [
                    {"type": "AND", "values": [{"key": "plan", "type": "person", "value": "pro"}]}
                ],
            }
        },
        **extra,
    }


def member(uuid: str) -> dict[str, Any]:
    return {
        "id": uuid,
        "uuid": uuid,
        "name": f"{uuid}@x.io",
        "distinct_ids": [uuid],
        "properties": {"email": f"{uuid}@x.io"},
    }


def test_get_by_name(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(
        COHORTS,
        json=page(
            [
                cohort(1, "Pro users (old)"),
                cohort(2, "Pro users", description="Paying\n\n[managed by phsync]"),
            ]
        ),
        match=[matchers.query_param_matcher({"search": "Pro users", "limit": "1000"})],
    )
    found = get_cohort(client, "Pro users")
    assert (found.id, found.managed, found.description, found.criteria) == (
        2,
        True,
        "Paying",
        "plan is 'pro'",
    )


def test_a_shared_name_is_an_error_that_lists_the_ids(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(COHORTS, json=page([cohort(9, "Beta"), cohort(4, "Beta")]))
    with pytest.raises(ConfigError) as caught:
        get_cohort(client, "Beta")
    assert caught.value.message == "2 cohorts are named 'Beta' (ids 4, 9)"
    assert "'#4'" in (caught.value.hint or "")


def test_hash_id_picks_one(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(f"{COHORTS}4/", json=cohort(4, "Beta"))
    assert get_cohort(client, "#4").id == 4


def test_unknown_name_suggests_from_all_cohorts(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(
        COHORTS,
        json=page([]),
        match=[matchers.query_param_matcher({"search": "Betta", "limit": "1000"})],
    )
    api.get(
        COHORTS,
        json=page([cohort(1, "Beta")]),
        match=[matchers.query_param_matcher({"limit": "1000"})],
    )
    with pytest.raises(NotFoundError, match=r"no cohort named 'Betta' \(did you mean 'Beta'\?\)"):
        get_cohort(client, "Betta")


def test_members_page_by_page(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(COHORTS, json=page([cohort(4, "Beta")]))
    members = f"{COHORTS}4/persons/"
    api.get(
        members,
        json={
            "results": [member("a"), member("b")],
            "next": f"{members}?limit=2&offset=2",
            "previous": None,
        },
        match=[matchers.query_param_matcher({"limit": "500"})],
    )
    api.get(members, json={"results": [member("c")], "next": None, "previous": None})
    found = cohort_persons(client, "Beta")
    assert found.cohort.id == 4
    assert [p.uuid for p in found.persons] == ["a", "b", "c"]


def test_members_with_a_limit(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(f"{COHORTS}4/", json=cohort(4, "Beta"))
    api.get(
        f"{COHORTS}4/persons/",
        json={"results": [member("a"), member("b")], "next": "x", "previous": None},
        match=[matchers.query_param_matcher({"limit": "2"})],
    )
    taken = take(cohort_persons(client, "#4", limit=1).persons, 1)
    assert [p.email for p in taken.items] == ["a@x.io"]
    assert taken.more


def test_list_names_nested_cohorts_it_has_seen(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    nested = {
        "properties": {"type": "AND", "values": [{"key": "id", "type": "cohort", "value": 1}]}
    }
    api.get(
        COHORTS,
        json=page(
            [
                cohort(1, "Base"),
                cohort(2, "Derived", filters=nested),
                cohort(3, "Static", is_static=True, count=None),
            ]
        ),
    )
    rows = list(iter_cohorts(client))
    assert [r.criteria for r in rows] == [
        "plan is 'pro'",
        "in cohort Base",
        "a static list of persons",
    ]
    assert [r.type for r in rows] == ["dynamic", "dynamic", "static"]
