"""Flags through a mocked PostHog: listing with filters and paging, lookup by key."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from responses import matchers

from reconciler.client import PostHogClient
from reconciler.errors import ConfigError, NotFoundError
from reconciler.queries.common import take
from reconciler.queries.flags import get_flag, iter_flags
from tests.queries.conftest import BASE, page

FLAGS = f"{BASE}/feature_flags/"


def flag(flag_id: int, key: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": flag_id,
        "key": key,
        "name": "",
        "active": True,
        "tags": [],
        "filters": {"groups": [{"properties": [], "rollout_percentage": 10}]},
        **extra,
    }


def test_list_sends_search_and_active_and_sizes_pages_to_the_limit(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(
        FLAGS,
        json=page([flag(1, "a"), flag(2, "b", tags=["managed-by-phsync"])]),
        match=[matchers.query_param_matcher({"search": "x", "active": "true", "limit": "3"})],
    )
    taken = take(iter_flags(client, search="x", active=True, limit=2), 2)
    assert [f.key for f in taken.items] == ["a", "b"]
    assert not taken.more
    assert [f.managed for f in taken.items] == [False, True]
    assert taken.items[0].rollout == "10% of everyone"


def test_list_filters_active_itself_when_the_server_does_not(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(FLAGS, json=page([flag(1, "on"), flag(2, "off", active=False)]))
    assert [f.key for f in iter_flags(client, active=False)] == ["off"]


def test_all_follows_next_links_to_the_end(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(
        FLAGS,
        json=page([flag(1, "a")], next_url=f"{FLAGS}?limit=1&offset=1"),
        match=[matchers.query_param_matcher({"limit": "1000"})],
    )
    api.get(
        FLAGS,
        json=page([flag(2, "b")], next_url=f"{FLAGS}?limit=1&offset=2"),
        match=[matchers.query_param_matcher({"limit": "1", "offset": "1"})],
    )
    api.get(
        FLAGS,
        json=page([flag(3, "c")]),
        match=[matchers.query_param_matcher({"limit": "1", "offset": "2"})],
    )
    assert [f.key for f in iter_flags(client)] == ["a", "b", "c"]


def test_limit_stops_reading_pages_once_it_knows_more_exist(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(
        FLAGS,
        json=page([flag(1, "a"), flag(2, "b")], next_url=f"{FLAGS}?limit=2&offset=2"),
        match=[matchers.query_param_matcher({"limit": "2"})],
    )
    taken = take(iter_flags(client, limit=1), 1)
    assert [f.key for f in taken.items] == ["a"]
    assert taken.more
    assert len(api.calls) == 1


def test_get_finds_the_exact_key_among_search_results(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    cohort_filter = {
        "groups": [
            {
                "properties": [{"key": "id", "type": "cohort", "value": 7}],
                "rollout_percentage": 100,
            },
            {"properties": [{"key": "9", "type": "flag", "value": True}], "rollout_percentage": 10},
        ],
        "multivariate": {"variants": [{"key": "on", "rollout_percentage": 100}]},
    }
    api.get(
        FLAGS,
        json=page([flag(1, "beta-nav"), flag(2, "beta", filters=cohort_filter)]),
        match=[matchers.query_param_matcher({"search": "beta", "limit": "1000"})],
    )
    api.get(f"{BASE}/cohorts/", json=page([{"id": 7, "name": "Internal users"}]))
    api.get(f"{FLAGS}9/", json=flag(9, "new-nav"))
    schedule = {"id": 3, "record_id": "2", "model_name": "FeatureFlag",
                "payload": {"operation": "update_status", "value": False},
                "scheduled_at": "2026-12-10T09:00:00Z", "executed_at": None,
                "is_recurring": True, "recurrence_interval": "weekly",
                "created_by": {"email": "ana@example.com"}}
    api.get(f"{BASE}/scheduled_changes/", json=page([schedule]),
            match=[matchers.query_param_matcher(
                {"model_name": "FeatureFlag", "record_id": "2"}, strict_match=False)])
    found = get_flag(client, "beta")
    assert found.id == 2
    assert found.scheduled == (
        "disable it at 2026-12-10 09:00 UTC, then every week (scheduled by ana@example.com)",
    )
    assert found.rollout == (
        "2 conditions: 100% of cohort Internal users; 10% of persons where flag 'new-nav' is enabled"
    )
    assert found.variants_text == "on 100%"


def test_get_by_id(api: responses.RequestsMock, client: PostHogClient) -> None:
    api.get(f"{FLAGS}5/", json=flag(5, "five"))
    api.get(f"{BASE}/scheduled_changes/", status=403, json={
        "type": "authentication_error", "code": "permission_denied",
        "detail": "This action does not support Personal API Key access", "attr": None})
    assert get_flag(client, "#5").scheduled == ()  # PostHog does not let the key read them


def test_get_by_id_of_a_deleted_flag_is_not_found(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(f"{FLAGS}5/", json=flag(5, "five", deleted=True))
    with pytest.raises(NotFoundError, match="#5 was deleted"):
        get_flag(client, "#5")


def test_unknown_key_says_so_and_suggests_a_close_one(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(FLAGS, json=page([flag(1, "beta-navi")]))
    with pytest.raises(NotFoundError) as caught:
        get_flag(client, "beta-nav")
    assert (
        caught.value.message
        == "no feature flag with the key 'beta-nav' (did you mean 'beta-navi'?)"
    )
    assert "phsync flags list --search" in (caught.value.hint or "")


def test_keys_that_differ_only_in_case_are_ambiguous_when_neither_matches_exactly(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    api.get(FLAGS, json=page([flag(1, "Beta"), flag(2, "beta")]))
    with pytest.raises(ConfigError, match=r"2 feature flags are named 'BETA' \(ids 1, 2\)"):
        get_flag(client, "BETA")


def test_a_name_lookup_refused_by_posthog_shows_the_id(
    api: responses.RequestsMock, client: PostHogClient
) -> None:
    filters = {"groups": [{"properties": [{"key": "id", "type": "cohort", "value": 7}]}]}
    api.get(FLAGS, json=page([flag(1, "f", filters=filters)]))
    api.get(
        f"{BASE}/cohorts/",
        status=403,
        json={
            "type": "authentication_error",
            "code": "permission_denied",
            "detail": "API key missing required scope 'cohort:read'",
            "attr": None,
        },
    )
    api.get(f"{BASE}/scheduled_changes/", json=page([]))
    assert get_flag(client, "f").rollout == "100% of cohort #7"
