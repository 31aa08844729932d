"""The requests hook records contract problems in what a session sends and receives."""

from __future__ import annotations

import requests
import responses

from contract.checker import Contract, install_request_checker

BASE = "https://posthog.test/api/projects/7"
GOOD_FLAG = {"key": "beta", "filters": {"groups": [{"properties": [], "rollout_percentage": 10}]}}


def checked_session(*, check_responses: bool = False) -> tuple[requests.Session, list[str]]:
    session = requests.Session()
    problems: list[str] = []
    install_request_checker(session, Contract.load(), problems, check_responses=check_responses)
    return session, problems


@responses.activate
def test_a_conforming_request_records_nothing() -> None:
    responses.post(f"{BASE}/feature_flags/", json={}, status=201)
    session, problems = checked_session()
    session.post(f"{BASE}/feature_flags/", json=GOOD_FLAG)
    assert problems == []


@responses.activate
def test_a_bad_request_body_is_recorded_with_its_method_and_path() -> None:
    responses.post(f"{BASE}/feature_flags/", json={}, status=201)
    session, problems = checked_session()
    session.post(f"{BASE}/feature_flags/", json={"key": "beta", "active": "yes"})
    assert problems == [
        "POST /api/projects/7/feature_flags/: feature_flags_create request: "
        'body.active: expected boolean, got string "yes"'
    ]


@responses.activate
def test_an_unknown_operation_is_recorded() -> None:
    responses.get(f"{BASE}/surveys/", json={})
    session, problems = checked_session()
    session.get(f"{BASE}/surveys/")
    assert len(problems) == 1 and "no contract operation" in problems[0]


@responses.activate
def test_responses_are_checked_when_asked() -> None:
    responses.get(f"{BASE}/session_recordings/", json={"count": 0, "results": []})
    session, problems = checked_session(check_responses=True)
    session.get(f"{BASE}/session_recordings/")
    assert any("missing required field 'has_next'" in problem for problem in problems)


@responses.activate
def test_non_api_urls_are_ignored() -> None:
    responses.get("https://posthog.test/decide/", json={})
    session, problems = checked_session(check_responses=True)
    session.get("https://posthog.test/decide/")
    assert problems == []
