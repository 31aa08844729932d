"""Feature flags: validation, versions, conflicts, soft delete, side effects (section 2)."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.conftest import Client, envelope


def create(api: Client, **body: Any) -> Any:
    body.setdefault("_should_create_usage_dashboard", False)
    return api.post(api.p + "/feature_flags/", json=body)


def groups(rollout: Any = 100, **extra: Any) -> dict[str, Any]:
    return {"groups": [{"properties": [], "rollout_percentage": rollout}], **extra}


def test_create_returns_version_1_and_server_fields(api: Client) -> None:
    response = create(api, key="f-one", name="One", filters=groups(25), tags=["Checkout"])
    assert response.status_code == 201
    flag = response.json()
    assert flag["version"] == 1
    assert flag["deleted"] is False and flag["active"] is True
    assert flag["created_by"]["email"] == "demo@example.com"
    assert flag["tags"] == ["checkout"]
    assert flag["is_simple_flag"] is True and flag["rollout_percentage"] == 25
    assert flag["experiment_set"] == [] and flag["surveys"] == [] and flag["features"] == []
    assert flag["usage_dashboard"] is None


def test_create_makes_a_usage_dashboard_unless_told_not_to(api: Client) -> None:
    flag = api.post(
        api.p + "/feature_flags/", json={"key": "with-board", "filters": groups()}
    ).json()
    board = api.get(api.p + f"/dashboards/{flag['usage_dashboard']}/").json()
    assert board["name"] == "Generated Dashboard: with-board Usage"
    assert board["creation_mode"] == "template"
    assert len(board["tiles"]) == 2


def test_key_required_charset_and_uniqueness(api: Client) -> None:
    missing = create(api, name="no key")
    assert missing.json() == envelope(
        "validation_error", "required", "This field is required.", "key"
    )
    bad = create(api, key="has space")
    assert bad.json() == envelope(
        "validation_error",
        "invalid_key",
        "Only letters, numbers, hyphens (-) & underscores (_) are allowed.",
        "key",
    )
    assert create(api, key="taken", filters=groups()).status_code == 201
    duplicate = create(api, key="taken", filters=groups())
    assert duplicate.status_code == 400
    assert duplicate.json() == envelope(
        "validation_error", "unique", "There is already a feature flag with this key.", "key"
    )


def test_soft_delete_frees_the_key_and_reuse_hard_deletes_the_tombstone(api: Client) -> None:
    first = create(api, key="reuse-me", filters=groups()).json()
    api.patch(api.p + f"/feature_flags/{first['id']}/", json={"deleted": True})
    tombstone = api.get(api.p + f"/feature_flags/{first['id']}/")
    assert tombstone.status_code == 200 and tombstone.json()["deleted"] is True
    keys = [f["key"] for f in api.get(api.p + "/feature_flags/").json()["results"]]
    assert "reuse-me" not in keys
    second = create(api, key="reuse-me", filters=groups())
    assert second.status_code == 201
    assert api.get(api.p + f"/feature_flags/{first['id']}/").status_code == 404


def test_delete_is_405_with_empty_body(api: Client) -> None:
    flag = create(api, key="no-delete", filters=groups()).json()
    response = api.delete(api.p + f"/feature_flags/{flag['id']}/")
    assert response.status_code == 405
    assert response.content == b""
    assert api.get(api.p + f"/feature_flags/{flag['id']}/").json()["deleted"] is False


def test_version_increments_on_every_update(api: Client) -> None:
    flag = create(api, key="versioned", filters=groups()).json()
    url = api.p + f"/feature_flags/{flag['id']}/"
    assert api.patch(url, json={"name": "a"}).json()["version"] == 2
    assert api.patch(url, json={"active": False}).json()["version"] == 3


def test_stale_version_with_original_flag_conflicting_is_409(api: Client) -> None:
    flag = create(api, key="contested", name="original", filters=groups()).json()
    url = api.p + f"/feature_flags/{flag['id']}/"
    api.patch(url, json={"name": "someone else"})
    response = api.patch(
        url, json={"name": "mine", "version": 1, "original_flag": {"name": "original"}}
    )
    assert response.status_code == 409
    assert response.json() == envelope(
        "server_error",
        "conflict",
        "The feature flag was updated by demo@example.com since you started editing it. "
        "Please refresh and try again.",
    )


def test_stale_version_without_original_flag_is_accepted(api: Client) -> None:
    flag = create(api, key="lenient", filters=groups()).json()
    url = api.p + f"/feature_flags/{flag['id']}/"
    api.patch(url, json={"name": "first"})
    response = api.patch(url, json={"name": "second", "version": 1})
    assert response.status_code == 200
    assert response.json()["version"] == 3


def test_stale_version_on_an_untouched_field_is_not_a_conflict(api: Client) -> None:
    flag = create(api, key="fields-differ", name="n", filters=groups()).json()
    url = api.p + f"/feature_flags/{flag['id']}/"
    api.patch(url, json={"active": False})
    response = api.patch(
        url, json={"name": "renamed", "version": 1, "original_flag": {"name": "n", "active": True}}
    )
    assert response.status_code == 200


FILTER_ERRORS = [
    (
        "variant-sum",
        {
            "groups": [{"properties": []}],
            "multivariate": {
                "variants": [
                    {"key": "a", "rollout_percentage": 50},
                    {"key": "b", "rollout_percentage": 40},
                ]
            },
        },
        "Invalid variant definitions: Variant rollout percentages must sum to 100.",
    ),
    (
        "variant-override",
        {
            "groups": [{"properties": [], "variant": "z"}],
            "multivariate": {"variants": [{"key": "a", "rollout_percentage": 100}]},
        },
        "Filters are not valid (variant override does not exist)",
    ),
    (
        "payload-boolean",
        {"groups": [{"properties": []}], "payloads": {"control": "1"}},
        "Payload keys must be 'true' for boolean flags",
    ),
    (
        "payload-variant",
        {
            "groups": [{"properties": []}],
            "payloads": {"z": "1"},
            "multivariate": {"variants": [{"key": "a", "rollout_percentage": 100}]},
        },
        "Payload keys must match a variant key for multivariate flags",
    ),
    (
        "payload-json",
        {"groups": [{"properties": []}], "payloads": {"true": "{nope"}},
        "Payload value is not valid JSON",
    ),
    (
        "payload-dict",
        {"groups": [{"properties": []}], "payloads": ["x"]},
        "Payloads must be passed as a dictionary",
    ),
    (
        "property-type",
        {"groups": [{"properties": [{"key": "x", "type": "event", "value": 1}]}]},
        "Filters are not valid (person-aggregated conditions can only use person, cohort, and flag "
        "properties)",
    ),
    (
        "flag-operator",
        {
            "groups": [
                {"properties": [{"key": "301", "type": "flag", "operator": "exact", "value": True}]}
            ]
        },
        "Flag properties must use the 'flag_evaluates_to' operator",
    ),
    (
        "flag-by-key",
        {
            "groups": [
                {
                    "properties": [
                        {
                            "key": "legacy-dark-mode",
                            "type": "flag",
                            "operator": "flag_evaluates_to",
                            "value": True,
                        }
                    ]
                }
            ]
        },
        "Flag dependencies must reference flag IDs (integers), not flag keys. "
        "Invalid reference: 'legacy-dark-mode'",
    ),
    (
        "flag-missing",
        {
            "groups": [
                {
                    "properties": [
                        {
                            "key": "999",
                            "type": "flag",
                            "operator": "flag_evaluates_to",
                            "value": True,
                        }
                    ]
                }
            ]
        },
        "Flag dependency references non-existent flag with ID 999",
    ),
    (
        "rollout-range",
        {"groups": [{"properties": [], "rollout_percentage": 150}]},
        "groups[0].rollout_percentage must be between 0 and 100, got 150",
    ),
]


@pytest.mark.parametrize(
    ("name", "filters", "detail"), FILTER_ERRORS, ids=[e[0] for e in FILTER_ERRORS]
)
def test_filter_validation_messages(api: Client, name: str, filters: Any, detail: str) -> None:
    response = create(api, key=f"bad-{name}", filters=filters)
    assert response.status_code == 400
    body = response.json()
    assert (body["type"], body["detail"], body["attr"]) == ("validation_error", detail, "filters")


def test_cohort_condition_must_exist_and_not_be_behavioral(api: Client) -> None:
    def cohort_filter(value: int) -> dict[str, Any]:
        return {"groups": [{"properties": [{"key": "id", "type": "cohort", "value": value}]}]}

    missing = create(api, key="c-missing", filters=cohort_filter(9999)).json()
    assert (missing["code"], missing["detail"]) == (
        "cohort_does_not_exist",
        "Cohort with id 9999 does not exist",
    )
    behavioral = create(api, key="c-behavioral", filters=cohort_filter(203)).json()
    assert behavioral["code"] == "behavioral_cohort_found"
    assert behavioral["detail"] == (
        "Cohort 'Legacy checkout visitors' with filters on events cannot be used in feature flags."
    )


def test_self_and_circular_dependencies(api: Client) -> None:
    def depends_on(flag_id: int) -> dict[str, Any]:
        return {
            "groups": [
                {
                    "properties": [
                        {
                            "key": str(flag_id),
                            "type": "flag",
                            "operator": "flag_evaluates_to",
                            "value": True,
                        }
                    ]
                }
            ]
        }

    a = create(api, key="dep-a", filters=groups()).json()
    b = create(api, key="dep-b", filters=depends_on(a["id"])).json()
    me = api.patch(api.p + f"/feature_flags/{a['id']}/", json={"filters": depends_on(a["id"])})
    assert me.json()["detail"] == "Feature flag 'dep-a' cannot depend on itself"
    cycle = api.patch(api.p + f"/feature_flags/{a['id']}/", json={"filters": depends_on(b["id"])})
    assert cycle.json()["detail"] == "Circular dependency detected: dep-a → dep-b → dep-a"
    blocked = api.patch(api.p + f"/feature_flags/{a['id']}/", json={"deleted": True})
    assert blocked.json()["detail"].startswith(
        "Cannot delete this feature flag because other flags depend on it: dep-b (ID: "
    )


def test_payload_values_are_stored_as_json_strings(api: Client) -> None:
    flag = create(api, key="payloads", filters=groups(payloads={"true": {"a": 1}})).json()
    assert flag["filters"]["payloads"] == {"true": '{"a": 1}'}


def test_patch_filters_without_groups_keeps_stored_filters(api: Client) -> None:
    flag = create(api, key="keep-filters", filters=groups(30)).json()
    url = api.p + f"/feature_flags/{flag['id']}/"
    kept = api.patch(url, json={"filters": {"payloads": {"true": "1"}}}).json()
    assert kept["filters"]["groups"][0]["rollout_percentage"] == 30
    assert kept["filters"].get("payloads", {}) == {}
    replaced = api.patch(url, json={"filters": groups(60)}).json()
    stored = groups(60, aggregation_group_type_index=None)
    stored["groups"][0]["aggregation_group_type_index"] = None
    assert replaced["filters"] == stored


def test_cohort_names_are_injected_on_read(api: Client) -> None:
    flag = api.get(api.p + "/feature_flags/303/").json()
    prop = flag["filters"]["groups"][0]["properties"][0]
    assert prop["cohort_name"] == "Legacy beta testers (static)"


def test_flags_in_experiments_and_early_access_cannot_be_deleted(api: Client) -> None:
    experiment = api.patch(api.p + "/feature_flags/302/", json={"deleted": True}).json()
    assert experiment["detail"].startswith(
        "Cannot delete a feature flag that is linked to active experiment(s) with ID(s): 41."
    )
    early = api.patch(api.p + "/feature_flags/304/", json={"deleted": True}).json()
    assert early["detail"].startswith("Cannot delete a feature flag that is in use with early")


def test_list_filters_and_order(api: Client) -> None:
    create(api, key="zeta-search", name="Findable", filters=groups(), tags=["t1"])
    results = api.get(api.p + "/feature_flags/").json()["results"]
    assert results[0]["key"] == "zeta-search"  # newest first
    assert [
        f["key"] for f in api.get(api.p + "/feature_flags/?search=FINDABLE").json()["results"]
    ] == ["zeta-search"]
    assert [f["key"] for f in api.get(api.p + '/feature_flags/?tags=["t1"]').json()["results"]] == [
        "zeta-search"
    ]
    assert [
        f["key"] for f in api.get(api.p + "/feature_flags/?key=ZETA-SEARCH").json()["results"]
    ] == ["zeta-search"]
    inactive = api.get(api.p + "/feature_flags/?active=false").json()["results"]
    assert [f["key"] for f in inactive] == ["legacy-paying-banner"]
    multivariant = api.get(api.p + "/feature_flags/?type=multivariant").json()["results"]
    assert [f["key"] for f in multivariant] == ["legacy-pricing-page-test"]


def test_activity_log_records_changes(api: Client) -> None:
    flag = create(api, key="audited", filters=groups()).json()
    api.patch(api.p + f"/feature_flags/{flag['id']}/", json={"name": "after"})
    log = api.get(api.p + f"/feature_flags/{flag['id']}/activity/").json()
    assert log["total_count"] == 2
    updated, created = log["results"]
    assert created["activity"] == "created" and updated["activity"] == "updated"
    assert {
        "type": "FeatureFlag",
        "action": "changed",
        "field": "name",
        "before": "",
        "after": "after",
    } in updated["detail"]["changes"]
    assert updated["user"]["email"] == "demo@example.com"
    project_log = api.get(api.p + "/activity_log/?scope=FeatureFlag").json()
    assert project_log["total_count"] >= 2


def test_unfiltered_list_pages_like_the_filtered_one(api: Client) -> None:
    for index in range(4):
        create(api, key=f"page-{index}", filters=groups())
    api.patch(api.p + "/feature_flags/301/", json={"deleted": False, "name": "touched"})
    plain = api.get(api.p + "/feature_flags/?limit=3&offset=2").json()
    ordered = api.get(api.p + "/feature_flags/?limit=3&offset=2&order=-created_at").json()
    assert plain["count"] == ordered["count"] == 9
    assert [f["id"] for f in plain["results"]] == [f["id"] for f in ordered["results"]]
    assert "offset=5" in plain["next"] and "offset" not in plain["previous"]


def test_empty_groups_refused_on_create_allowed_on_update(api: Client) -> None:
    refused = create(api, key="no-groups", filters={"groups": []})
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "Feature flags must have at least one condition set (group)."
    )
    flag = create(api, key="later-no-groups", filters=groups()).json()
    emptied = api.patch(api.p + f"/feature_flags/{flag['id']}/", json={"filters": {"groups": []}})
    assert emptied.status_code == 200
    assert emptied.json()["filters"]["groups"] == []
