"""Feature flags: PostHog's products/feature_flags/backend/api/test/test_feature_flag.py.

Pinned to the current serializer: its operator checks (invalid_operator, unsupported_operator)
and field-type checks are recent; older servers accepted any operator and type.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from emulator.conftest import Client

from fidelity.conftest import restates, unique

FF = "products/feature_flags/backend/api/test/test_feature_flag.py::"
KEY_MESSAGE = "Only letters, numbers, hyphens (-) & underscores (_) are allowed."


def post(api: Client, body: dict[str, Any]) -> Any:
    return api.post(api.p + "/feature_flags/", json=body)


def prop(operator: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"key": "email", "type": "person", "value": value, "operator": operator, **extra}


def one_group(*props: dict[str, Any], rollout: Any = 65) -> dict[str, Any]:
    return {"groups": [{"rollout_percentage": rollout, "properties": list(props)}]}


def envelope(code: str, detail: str, attr: str = "filters") -> dict[str, Any]:
    return {"type": "validation_error", "code": code, "detail": detail, "attr": attr}


@restates(FF + "test_cant_create_flag_with_duplicate_key")
def test_duplicate_key(api: Client) -> None:
    key = unique("red_button")
    assert post(api, {"key": key, "filters": one_group()}).status_code == 201
    response = post(api, {"name": "Beta feature", "key": key, "filters": one_group()})
    assert response.status_code == 400
    assert response.json() == envelope(
        "unique", "There is already a feature flag with this key.", "key"
    )


@restates(FF + "test_cant_create_flag_with_key_with_invalid_characters")
@pytest.mark.parametrize("key", ["foo?bar=baz", "foo/bar", "foo\\bar", "foo.bar", "foo bar"])
def test_key_with_invalid_characters(api: Client, key: str) -> None:
    response = post(api, {"name": "Beta feature", "key": key})
    assert response.status_code == 400
    assert response.json() == envelope("invalid_key", KEY_MESSAGE, "key")


@restates(FF + "test_cant_create_flag_with_key_too_long")
def test_key_too_long(api: Client) -> None:
    response = post(api, {"name": "Beta feature", "key": "a" * 400 + "b"})
    assert response.status_code == 400
    assert response.json() == envelope(
        "max_length", "Ensure this field has no more than 400 characters.", "key"
    )


@restates(FF + "test_cant_create_flag_with_invalid_filters")
@pytest.mark.parametrize(
    "operator", ["icontains", "regex", "not_icontains", "not_regex", "lt", "gt", "lte", "gte"]
)
def test_string_operators_refuse_a_list(api: Client, operator: str) -> None:
    body = {"name": "Beta feature", "key": unique("beta-x"), "filters": one_group()}
    body["filters"]["groups"][0]["properties"] = [prop(operator, ["@posthog.com"])]
    response = post(api, body)
    assert response.status_code == 400
    assert response.json() == envelope(
        "invalid_value", f"Invalid value for operator {operator}: ['@posthog.com']"
    )


@restates(FF + "test_cant_create_flag_with_invalid_filters")
def test_string_operators_accept_text(api: Client) -> None:
    filters = one_group(prop("not_regex", '["@posthog.com"]'))
    assert post(api, {"key": unique("beta-x"), "filters": filters}).status_code == 201


@restates(FF + "test_cant_create_flag_with_in_operator_for_person_properties")
@pytest.mark.parametrize("operator", ["in", "not_in"])
def test_in_operators_refused_on_person_properties(api: Client, operator: str) -> None:
    filters = one_group(prop(operator, ["user1@example.com", "user2@example.com"]))
    response = post(api, {"key": unique(f"beta-person-{operator}"), "filters": filters})
    assert response.status_code == 400
    assert response.json() == envelope(
        "invalid_operator",
        f"The '{operator}' operator is only valid for cohort properties, not 'person' properties.",
    )


@restates(FF + "test_cant_create_flag_with_unknown_operator")
@pytest.mark.parametrize("operator", ["contains", "not_contains", "ICONTAINS", "foo"])
def test_unknown_operator(api: Client, operator: str) -> None:
    filters = one_group(prop(operator, "@posthog.com"))
    response = post(api, {"key": unique("beta-unknown-op"), "filters": filters})
    assert response.status_code == 400
    assert response.json() == envelope("invalid_operator", f"Invalid operator: {operator}")


@restates(FF + "test_can_create_flag_with_valid_operator")
@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("exact", "test"),
        ("icontains", "test"),
        ("regex", "test"),
        ("is_set", ""),
        ("is_date_before", "2025-01-01"),
        ("is_date_exact", "2025-01-01"),
        ("semver_gt", "1.2.3"),
    ],
)
def test_valid_operator(api: Client, operator: str, value: str) -> None:
    filters = one_group(prop(operator, value), rollout=100)
    assert (
        post(api, {"key": unique(f"flag-valid-op-{operator}"), "filters": filters}).status_code
        == 201
    )


def _base_flag(api: Client) -> int:
    response = post(api, {"key": unique("base-flag"), "filters": one_group(rollout=100)})
    assert response.status_code == 201
    return int(response.json()["id"])


@restates(FF + "test_can_create_flag_with_flag_evaluates_to_operator")
def test_flag_evaluates_to(api: Client) -> None:
    dependency = {"key": str(_base_flag(api)), "type": "flag", "value": "true"}
    filters = one_group({**dependency, "operator": "flag_evaluates_to"}, rollout=100)
    assert post(api, {"key": unique("dependent-flag"), "filters": filters}).status_code == 201


@restates(FF + "test_flag_dependency_numeric_key_is_coerced_to_string")
def test_numeric_dependency_key_stored_as_text(api: Client) -> None:
    base = _base_flag(api)
    dependency = {"key": base, "type": "flag", "value": "true", "operator": "flag_evaluates_to"}
    response = post(api, {"key": unique("dependent-flag"), "filters": one_group(dependency)})
    assert response.status_code == 201
    assert response.json()["filters"]["groups"][0]["properties"][0]["key"] == str(base)


@restates(FF + "test_can_create_flag_with_in_operator_for_cohort_properties")
@pytest.mark.parametrize("operator", ["in", "not_in"])
def test_in_operators_on_cohort_properties(api: Client, operator: str) -> None:
    cohort = api.post(
        api.p + "/cohorts/",
        json={
            "name": unique("test cohort"),
            "filters": {
                "properties": {
                    "type": "OR",
                    "values": [
                        {"key": "plan", "type": "person", "value": "pro", "operator": "exact"}
                    ],
                }
            },
        },
    ).json()
    key = unique(f"cohort-feature-{operator}")
    condition = {"key": "id", "type": "cohort", "value": cohort["id"], "operator": operator}
    response = post(api, {"key": key, "filters": one_group(condition, rollout=100)})
    assert response.status_code == 201
    assert response.json()["key"] == key


@restates(FF + "test_cant_update_flag_with_duplicate_key")
def test_update_to_a_taken_key(api: Client) -> None:
    taken = unique("red_button")
    existing = post(api, {"key": taken, "filters": one_group()}).json()
    other = post(api, {"key": unique("some-feature"), "filters": one_group()}).json()
    response = api.patch(
        api.p + f"/feature_flags/{other['id']}/", json={"name": "Beta feature", "key": taken}
    )
    assert response.status_code == 400
    assert response.json() == envelope(
        "unique", "There is already a feature flag with this key.", "key"
    )
    again = api.patch(
        api.p + f"/feature_flags/{existing['id']}/", json={"name": "Beta feature 3", "key": taken}
    )
    assert again.status_code == 200
    assert again.json()["name"] == "Beta feature 3"


@restates(FF + "test_non_integer_aggregation_group_type_index_rejected")
@pytest.mark.parametrize(
    ("bad", "kind"), [(False, "bool"), (True, "bool"), ("not_an_int", "str"), (1.5, "float")]
)
def test_non_integer_aggregation(api: Client, bad: Any, kind: str) -> None:
    filters = {"aggregation_group_type_index": bad, "groups": [{"rollout_percentage": 100}]}
    response = post(api, {"key": unique("bad-index"), "filters": filters})
    assert response.status_code == 400
    assert kind in response.json()["detail"]


@restates(FF + "test_non_string_group_variant_rejected")
@pytest.mark.parametrize(("bad", "kind"), [(False, "bool"), (True, "bool"), (42, "int")])
def test_non_string_group_variant(api: Client, bad: Any, kind: str) -> None:
    filters = {"groups": [{"variant": bad, "rollout_percentage": 100}]}
    response = post(api, {"key": unique("bad-variant"), "filters": filters})
    assert response.status_code == 400
    assert kind in response.json()["detail"]


@restates(FF + "test_string_group_variant_preserved")
def test_string_group_variant(api: Client) -> None:
    filters = {
        "groups": [{"variant": "control", "rollout_percentage": 100}],
        "multivariate": {"variants": [{"key": "control", "rollout_percentage": 100}]},
    }
    response = post(api, {"key": unique("string-variant"), "filters": filters})
    assert response.status_code == 201
    assert response.json()["filters"]["groups"][0]["variant"] == "control"


@restates(FF + "test_null_early_exit_accepted")
def test_null_early_exit(api: Client) -> None:
    filters = {"early_exit": None, "groups": [{"rollout_percentage": 100}]}
    assert post(api, {"key": unique("early-exit-null"), "filters": filters}).status_code == 201


@restates(FF + "test_non_boolean_early_exit_rejected")
@pytest.mark.parametrize(
    ("bad", "kind"), [(1, "int"), ("true", "str"), ("false", "str"), (1.5, "float")]
)
def test_non_boolean_early_exit(api: Client, bad: Any, kind: str) -> None:
    filters = {"early_exit": bad, "groups": [{"rollout_percentage": 100}]}
    response = post(api, {"key": unique("bad-early-exit"), "filters": filters})
    assert response.status_code == 400
    assert "early_exit must be a boolean" in response.json()["detail"]
    assert kind in response.json()["detail"]


@restates(FF + "test_non_numeric_group_rollout_percentage_rejected")
@pytest.mark.parametrize(
    "bad", ["100", False, "NaN", "Infinity", float("nan"), float("inf")], ids=str
)
def test_non_numeric_group_rollout(api: Client, bad: Any) -> None:
    body = {"key": unique("bad-rollout"), "filters": {"groups": [{"rollout_percentage": bad}]}}
    response = api.post(
        api.p + "/feature_flags/",
        data=json.dumps(body),  # NaN and Infinity as Python writes them, as PostHog's test does
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "rollout_percentage" in response.json()["detail"]


@restates(FF + "test_out_of_range_group_rollout_percentage_rejected")
@pytest.mark.parametrize("bad", [-1, -0.1, 101, 200, 100.1])
def test_out_of_range_group_rollout(api: Client, bad: Any) -> None:
    filters = {"groups": [{"rollout_percentage": bad}]}
    response = post(api, {"key": unique("oor-rollout"), "filters": filters})
    assert response.status_code == 400
    assert "between 0 and 100" in response.json()["detail"]


@restates(FF + "test_valid_group_rollout_percentage_preserved")
@pytest.mark.parametrize("value", [0, 100, 75, 50.5])
def test_valid_group_rollout(api: Client, value: Any) -> None:
    filters = {"groups": [{"rollout_percentage": value}]}
    response = post(api, {"key": unique("valid-rollout"), "filters": filters})
    assert response.status_code == 201
    stored = api.get(api.p + f"/feature_flags/{response.json()['id']}/").json()
    assert stored["filters"]["groups"][0]["rollout_percentage"] == value


@restates(FF + "test_non_numeric_variant_rollout_percentage_rejected")
@pytest.mark.parametrize("bad", ["50", True, None])
def test_non_numeric_variant_rollout(api: Client, bad: Any) -> None:
    filters = {
        "groups": [{"rollout_percentage": 100}],
        "multivariate": {
            "variants": [
                {"key": "control", "rollout_percentage": bad},
                {"key": "test", "rollout_percentage": 50},
            ]
        },
    }
    response = post(api, {"key": unique("bad-variant-rollout"), "filters": filters})
    assert response.status_code == 400
    assert "rollout_percentage" in response.json()["detail"]


@restates(FF + "test_non_integer_property_group_type_index_rejected")
@pytest.mark.parametrize(
    ("bad", "kind"), [(False, "bool"), (True, "bool"), ("not_an_int", "str"), (1.5, "float")]
)
def test_non_integer_property_group_type_index(api: Client, bad: Any, kind: str) -> None:
    condition = {"key": "email", "type": "person", "value": "test", "group_type_index": bad}
    response = post(api, {"key": unique("bad-prop-gti"), "filters": one_group(condition)})
    assert response.status_code == 400
    assert kind in response.json()["detail"]


@restates(FF + "test_create_feature_flag")
def test_create(api: Client) -> None:
    key = unique("alpha-feature")
    body = {
        "name": "Alpha feature",
        "key": key,
        "filters": {"groups": [{"rollout_percentage": 50}]},
    }
    response = post(api, body)
    assert response.status_code == 201
    assert api.get(api.p + f"/feature_flags/{response.json()['id']}/").json()["key"] == key


@restates(FF + "test_create_minimal_feature_flag")
def test_create_minimal(api: Client) -> None:
    key = unique("omega-feature")
    filters = {"groups": [{"properties": [], "rollout_percentage": None}]}
    response = post(api, {"key": key, "filters": filters})
    assert response.status_code == 201
    assert (response.json()["key"], response.json()["name"]) == (key, "")


@restates(FF + "test_create_encrypted_payloads_requires_remote_configuration")
def test_encrypted_payloads_need_remote_configuration(api: Client) -> None:
    body = {
        "key": unique("encrypted-without-remote"),
        "has_encrypted_payloads": True,
        "is_remote_configuration": False,
        "filters": {"groups": [{"rollout_percentage": 100}], "payloads": {"true": '"secret"'}},
    }
    response = post(api, body)
    assert response.status_code == 400
    assert "remote configuration" in response.json()["detail"]


@restates(FF + "test_create_encrypted_payloads_with_remote_configuration_succeeds")
def test_encrypted_payloads_with_remote_configuration(api: Client) -> None:
    body = {
        "key": unique("encrypted-with-remote"),
        "has_encrypted_payloads": True,
        "is_remote_configuration": True,
        "filters": {"groups": [{"rollout_percentage": 100}], "payloads": {"true": '"secret"'}},
    }
    assert post(api, body).status_code == 201


@restates(FF + "test_update_remote_config_flag_to_non_remote_with_encrypted_payloads_fails")
def test_remote_flag_with_encrypted_payloads_stays_remote(api: Client) -> None:
    body = {
        "key": unique("rc-encrypted"),
        "has_encrypted_payloads": True,
        "is_remote_configuration": True,
        "filters": {"groups": [{"rollout_percentage": 100}], "payloads": {"true": '"secret"'}},
    }
    flag = post(api, body).json()
    response = api.patch(
        api.p + f"/feature_flags/{flag['id']}/", json={"is_remote_configuration": False}
    )
    assert response.status_code == 400
    assert "remote configuration" in response.json()["detail"]
