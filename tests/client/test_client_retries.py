"""429s are waited out in full; 5xx and lost connections are retried only where that is safe."""

from __future__ import annotations

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from reconciler.client import PostHogClient, RetryPolicy
from reconciler.errors import RateLimitedError, ServerError, TransportError

from .conftest import HOST, FakeClock, make_settings

PATH = "/api/projects/1/feature_flags/"
URL = HOST + PATH
THROTTLED = {
    "type": "throttled_error",
    "code": "throttled",
    "detail": "Request was throttled. Expected available in 37 seconds.",
    "attr": None,
}


def refused() -> requests.exceptions.ConnectionError:
    reason = NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused"
    )  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(MaxRetryError(None, URL, reason))  # type: ignore[arg-type]


def unresolvable() -> requests.exceptions.ConnectionError:
    reason = NameResolutionError("us.posthog.com", None, OSError("Name or service not known"))  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(MaxRetryError(None, URL, reason))  # type: ignore[arg-type]


def dropped() -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(ConnectionResetError("Connection aborted."))


def test_429_waits_the_full_retry_after_then_succeeds(
    client: PostHogClient, fake: FakeClock, api: responses.RequestsMock
) -> None:
    api.get(URL, status=429, json=THROTTLED, headers={"Retry-After": "37"})
    api.get(URL, status=429, json=THROTTLED, headers={"Retry-After": "120"})
    api.get(URL, json={"results": []})
    assert client.get(PATH) == {"results": []}
    assert fake.sleeps == [37.0, 120.0]


def test_429_on_post_is_retried(
    client: PostHogClient, fake: FakeClock, api: responses.RequestsMock
) -> None:
    api.post(URL, status=429, json=THROTTLED, headers={"Retry-After": "2"})
    api.post(URL, status=201, json={"id": 1})
    assert client.post(PATH, {"key": "a"}) == {"id": 1}
    assert fake.sleeps == [2.0]


def test_429_gives_up_when_the_total_wait_would_pass_the_limit(
    client: PostHogClient, fake: FakeClock, api: responses.RequestsMock
) -> None:
    api.get(URL, status=429, json=THROTTLED, headers={"Retry-After": "200"})
    api.get(URL, status=429, json=THROTTLED, headers={"Retry-After": "101"})
    with pytest.raises(RateLimitedError) as caught:
        client.get(PATH)
    assert fake.sleeps == [200.0]
    text = str(caught.value)
    assert "waited 200 s in total" in text
    assert "asks for 101 s more" in text
    assert "beyond the 300 s" in text
    assert "480/min, 4800/h" in text
    assert "run again later" in text
    assert caught.value.status == 429


def test_429_with_a_huge_retry_after_fails_without_waiting(
    client: PostHogClient, fake: FakeClock, api: responses.RequestsMock
) -> None:
    api.get(URL, status=429, json=THROTTLED, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimitedError, match="asks for 3600 s more"):
        client.get(PATH)
    assert fake.sleeps == []


def test_429_without_retry_after_backs_off_and_is_still_bounded(
    fake: FakeClock, api: responses.RequestsMock
) -> None:
    client = PostHogClient(
        make_settings(),
        sleep=fake.sleep,
        clock=fake.clock,
        rand=lambda: 0.5,
        retry=RetryPolicy(base_delay=1.0, max_delay=4.0, max_rate_wait=10.0),
    )
    api.get(URL, status=429, json={**THROTTLED, "detail": "Request was throttled."})
    with pytest.raises(RateLimitedError):
        client.get(PATH)
    assert fake.sleeps == [1.0, 2.0, 4.0]  # the next 4 would pass 10


def test_5xx_on_get_is_retried_with_exponential_backoff(
    client: PostHogClient, fake: FakeClock, api: responses.RequestsMock
) -> None:
    api.get(URL, status=502, body="Bad Gateway")
    api.get(URL, status=503, body="")
    api.get(URL, json={"ok": 1})
    assert client.get(PATH) == {"ok": 1}
    assert fake.sleeps == [0.5, 1.0]


def test_5xx_retries_are_bounded(
    client: PostHogClient, fake: FakeClock, api: responses.RequestsMock
) -> None:
    api.get(URL, status=500, json={"type": "server_error", "detail": "A server error occurred."})
    with pytest.raises(ServerError) as caught:
        client.get(PATH)
    assert len(api.calls) == 4
    assert fake.sleeps == [0.5, 1.0, 2.0]
    assert "(tried 4 times)" in str(caught.value)
    assert "may have taken effect" not in str(caught.value)


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_5xx_on_idempotent_writes_is_retried(
    client: PostHogClient, api: responses.RequestsMock, method: str
) -> None:
    api.add(method, URL, status=504)
    api.add(method, URL, json={"id": 1})
    assert client.request(method, PATH, json={"name": "x"}) == {"id": 1}


def test_5xx_on_post_is_not_retried(client: PostHogClient, api: responses.RequestsMock) -> None:
    api.post(URL, status=502, body="Bad Gateway")
    with pytest.raises(ServerError):
        client.post(PATH, {"key": "a"})
    assert len(api.calls) == 1


def test_5xx_on_a_read_only_post_is_retried_when_marked_idempotent(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    run = HOST + "/api/projects/1/endpoints/daily/run/"
    api.post(run, status=503)
    api.post(run, json={"results": [[1]]})
    assert client.post("/api/projects/1/endpoints/daily/run/", {}, idempotent=True) == {
        "results": [[1]]
    }


def test_post_that_may_have_been_sent_is_ambiguous_and_not_retried(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.post(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransportError) as caught:
        client.post(PATH, {"key": "a"})
    assert caught.value.ambiguous is True
    assert len(api.calls) == 1
    assert "cannot tell whether POST " + PATH in str(caught.value)


def test_post_whose_connection_dropped_is_ambiguous(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.post(URL, body=dropped())
    with pytest.raises(TransportError) as caught:
        client.post(PATH, {"key": "a"})
    assert caught.value.ambiguous is True
    assert len(api.calls) == 1


@pytest.mark.parametrize(
    "failure", [refused, unresolvable, lambda: requests.exceptions.ConnectTimeout("x")]
)
def test_post_whose_connection_was_never_made_is_retried(
    client: PostHogClient, api: responses.RequestsMock, failure: object
) -> None:
    api.post(URL, body=failure())  # type: ignore[operator]
    api.post(URL, status=201, json={"id": 3})
    assert client.post(PATH, {"key": "a"}) == {"id": 3}
    assert len(api.calls) == 2


def test_get_read_timeout_is_retried_then_reported_unambiguous(
    client: PostHogClient, fake: FakeClock, api: responses.RequestsMock
) -> None:
    api.get(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransportError) as caught:
        client.get(PATH)
    assert caught.value.ambiguous is False
    assert len(api.calls) == 4
    assert str(caught.value).startswith(
        "cannot reach https://us.posthog.com: no answer within 7 s (tried 4 times)"
    )
    assert "--timeout" in str(caught.value)


def test_patch_that_keeps_timing_out_is_ambiguous(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.patch(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransportError) as caught:
        client.patch(PATH, {"name": "x"})
    assert caught.value.ambiguous is True
    assert len(api.calls) == 4


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (refused, "connection refused"),
        (unresolvable, "the host name does not resolve"),
    ],
)
def test_unreachable_host_says_to_check_the_instance_url(
    client: PostHogClient, api: responses.RequestsMock, failure: object, reason: str
) -> None:
    api.get(URL, body=failure())  # type: ignore[operator]
    with pytest.raises(TransportError) as caught:
        client.get(PATH)
    assert str(caught.value).startswith(f"cannot reach https://us.posthog.com: {reason}")
    assert "check the instance URL" in str(caught.value)
    assert caught.value.ambiguous is False


def test_tls_failure_is_not_retried(client: PostHogClient, api: responses.RequestsMock) -> None:
    api.get(
        URL,
        body=requests.exceptions.SSLError(
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"
        ),
    )
    with pytest.raises(TransportError, match="TLS failed: certificate verify failed"):
        client.get(PATH)
    assert len(api.calls) == 1


def test_requests_exceptions_never_escape(
    client: PostHogClient, api: responses.RequestsMock
) -> None:
    api.get(URL, body=requests.exceptions.InvalidHeader("weird"))
    with pytest.raises(TransportError):
        client.get(PATH)


def test_429_without_header_waits_as_the_throttle_message_says(
    client: PostHogClient, fake: FakeClock, api: responses.RequestsMock
) -> None:
    api.get(URL, status=429, json=THROTTLED)
    api.get(URL, json={"ok": True})
    assert client.get(PATH) == {"ok": True}
    assert fake.sleeps == [37.0]
