"""Every way an HrFlow.ai call can fail becomes a typed error a recruiter can read.

The matching calls run as GET and as POST against the stand-in (the ``standin`` fixture)."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from pytest_httpserver import HTTPServer

from hrflow_matching.backends.base import (
    AuthenticationFailed,
    BackendBusy,
    BackendError,
    BackendMisconfigured,
    BackendUnavailable,
    Criteria,
    ObjectNotIndexed,
    QuotaExceeded,
    UnexpectedResponse,
)
from hrflow_matching.backends.hrflow import HrFlowBackend
from hrflow_matching.backends.hrflow.client import parse_retry_after
from tests.support.hrflow_standin import (
    API_KEY,
    StandIn,
    hrflow_settings,
    profile,
    requests_made,
    scoring_body,
)

PATH = "/v1/profiles/scoring"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def backend(standin: StandIn, sleeps: list[float]) -> HrFlowBackend:
    """A backend whose backoff is recorded instead of slept."""
    return HrFlowBackend(tenant=None, sleep=sleeps.append, backoff=0.5)


def score(backend: HrFlowBackend):
    return backend.score_profiles("job-1", Criteria())


OK_BODY = scoring_body("profiles", [profile("cand-1")], [0.8])


def test_401_is_authentication_failed_and_never_shows_the_key(
    standin: StandIn, backend: HrFlowBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    standin.serve(
        PATH,
        body={"code": 401, "message": f"Unauthorized. Invalid secret key: {API_KEY} "},
        status=401,
    )
    with pytest.raises(AuthenticationFailed) as caught:
        score(backend)
    assert "API key" in caught.value.message
    for text in (caught.value.message, caught.value.detail, str(caught.value), caplog.text):
        assert API_KEY not in text
    assert len(standin.requests()) == 1  # not retried


def test_body_code_counts_even_when_http_status_is_200(
    standin: StandIn, backend: HrFlowBackend
) -> None:
    standin.serve(PATH, body={"code": 401, "message": "Unauthorized"})
    with pytest.raises(AuthenticationFailed):
        score(backend)


def test_402_is_quota_exceeded(standin: StandIn, backend: HrFlowBackend) -> None:
    standin.serve(PATH, body={"code": 402, "message": "Over quota"}, status=402)
    with pytest.raises(QuotaExceeded) as caught:
        score(backend)
    assert caught.value.status_code == 503
    assert "quota" in caught.value.message


@pytest.mark.parametrize("status", [400, 404, 200])
def test_unable_to_find_job_is_object_not_indexed(
    standin: StandIn, backend: HrFlowBackend, status: int
) -> None:
    standin.serve(
        PATH,
        body={"code": 400 if status == 200 else status, "message": "Unable to find object: job"},
        status=status,
    )
    with pytest.raises(ObjectNotIndexed) as caught:
        score(backend)
    assert "not indexed" in caught.value.message


def test_unknown_board_is_a_configuration_error_not_not_indexed(
    standin: StandIn, backend: HrFlowBackend
) -> None:
    standin.serve(
        PATH,
        body={"code": 400, "message": "Invalid parameters. Unable to find object: board"},
        status=400,
    )
    with pytest.raises(BackendMisconfigured) as caught:
        score(backend)
    assert "board" in caught.value.message


def test_other_400_is_unexpected_with_hrflow_message(
    standin: StandIn, backend: HrFlowBackend
) -> None:
    standin.serve(PATH, body={"code": 400, "message": "Invalid parameters. sort_by"}, status=400)
    with pytest.raises(UnexpectedResponse) as caught:
        score(backend)
    assert "sort_by" in caught.value.message


def test_500_then_200_is_retried_with_backoff(
    standin: StandIn, backend: HrFlowBackend, sleeps: list[float]
) -> None:
    standin.serve(PATH, oneshot=True, body="boom", status=500)
    standin.serve(PATH, body=OK_BODY, content_type="application/json")
    page = score(backend)
    assert [item.reference for item in page.items] == ["cand-1"]
    assert len(standin.requests()) == 2
    assert sleeps == [0.5]


def test_5xx_retries_are_bounded_then_unavailable(
    standin: StandIn, backend: HrFlowBackend, sleeps: list[float]
) -> None:
    standin.serve(PATH, body={"code": 503, "message": "down"}, status=503)
    with pytest.raises(BackendUnavailable):
        score(backend)
    assert len(standin.requests()) == 3  # MAX_RETRIES = 2
    assert sleeps == [0.5, 1.0]


def test_429_honours_retry_after_up_to_the_read_timeout(
    standin: StandIn, backend: HrFlowBackend, sleeps: list[float]
) -> None:
    """A Retry-After within READ_TIMEOUT (5 s here) is waited for in full, not capped."""
    standin.serve(PATH, "slow down", status=429, headers={"Retry-After": "3"}, oneshot=True)
    standin.serve(PATH, "slow down", status=429, headers={"Retry-After": "5"}, oneshot=True)
    standin.serve(PATH, OK_BODY)
    assert score(backend).items[0].score == 0.8
    assert sleeps == [3.0, 5.0]


@pytest.mark.parametrize("retry_after", ["3600", "6", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_429_beyond_the_read_timeout_is_busy_at_once(
    standin: StandIn, backend: HrFlowBackend, sleeps: list[float], retry_after: str
) -> None:
    """Longer than a recruiter waits for a page: no sleep, no retry, the typed "busy, try
    again in N s" error (a 503) with N from the header."""
    standin.serve(PATH, "slow down", status=429, headers={"Retry-After": retry_after})
    with pytest.raises(BackendBusy) as caught:
        score(backend)
    assert sleeps == [] and len(standin.requests()) == 1
    error = caught.value
    assert isinstance(error, BackendUnavailable) and error.status_code == 503
    assert error.retry_after is not None and error.retry_after > 5
    assert error.message == f"HrFlow.ai is busy. Try again in {error.retry_after} s."
    if retry_after.isdigit():
        assert error.retry_after == int(retry_after)


def test_429_exhausted_is_busy(
    standin: StandIn, backend: HrFlowBackend, sleeps: list[float]
) -> None:
    standin.serve(PATH, "slow down", status=429)
    with pytest.raises(BackendBusy) as caught:
        score(backend)
    assert "too many requests" in caught.value.message and caught.value.retry_after is None
    assert sleeps == [0.5, 1.0] and len(standin.requests()) == 3


def test_429_exhausted_with_retry_after_says_when(
    standin: StandIn, backend: HrFlowBackend, sleeps: list[float]
) -> None:
    standin.serve(PATH, "slow down", status=429, headers={"Retry-After": "2"})
    with pytest.raises(BackendBusy, match=r"Try again in 2 s\.") as caught:
        score(backend)
    assert caught.value.retry_after == 2
    assert sleeps == [2.0, 2.0]


def test_a_body_code_429_is_busy(standin: StandIn, backend: HrFlowBackend) -> None:
    standin.serve(PATH, {"code": 429, "message": "Too many requests"})
    with pytest.raises(BackendBusy):
        score(backend)


def test_post_is_never_retried(httpserver: HTTPServer, sleeps: list[float]) -> None:
    with hrflow_settings(httpserver, HRFLOW={"PUSH": True}):
        backend = HrFlowBackend(tenant=None, sleep=sleeps.append)
        httpserver.expect_request("/v1/profile/indexing", method="GET").respond_with_json(
            {"code": 400, "message": "Unable to find object: profile"}, status=400
        )
        httpserver.expect_request("/v1/profile/indexing", method="POST").respond_with_data(
            "boom", status=502
        )
        with pytest.raises(BackendUnavailable):
            backend.index("profile", [profile("cand-1")])
    assert [r.method for r in requests_made(httpserver)] == ["GET", "POST"]
    assert sleeps == []


def test_read_timeout_is_unavailable_and_not_retried(httpserver: HTTPServer) -> None:
    # A server that accepts connections (the kernel completes the handshake) and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1/"
    try:
        with hrflow_settings(
            httpserver, HRFLOW={"API_URL": url, "CONNECT_TIMEOUT": 0.5, "READ_TIMEOUT": 0.2}
        ):
            sleeps: list[float] = []
            with pytest.raises(BackendUnavailable) as caught:
                score(HrFlowBackend(tenant=None, sleep=sleeps.append))
    finally:
        silent.close()
    assert "in time" in caught.value.message
    assert sleeps == []


def test_connection_refused_is_unavailable_after_bounded_retries(httpserver: HTTPServer) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with hrflow_settings(httpserver, HRFLOW={"API_URL": f"http://127.0.0.1:{port}/v1/"}):
        sleeps: list[float] = []
        with pytest.raises(BackendUnavailable) as caught:
            score(HrFlowBackend(tenant=None, sleep=sleeps.append))
    assert "cannot be reached" in caught.value.message
    assert sleeps == [0.5, 1.0]


def test_html_body_is_unexpected(standin: StandIn, backend: HrFlowBackend) -> None:
    standin.serve(PATH, body="<html><body>Welcome to nginx</body></html>", content_type="text/html")
    with pytest.raises(UnexpectedResponse):
        score(backend)


def test_html_error_page_keeps_its_status(standin: StandIn, backend: HrFlowBackend) -> None:
    standin.serve(PATH, body="<html>Bad Gateway</html>", status=502, content_type="text/html")
    with pytest.raises(BackendUnavailable):
        score(backend)


def test_malformed_json_is_unexpected(standin: StandIn, backend: HrFlowBackend) -> None:
    standin.serve(
        PATH, body='{"code": 200, "data": {"profiles": [', content_type="application/json"
    )
    with pytest.raises(UnexpectedResponse):
        score(backend)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"profiles": "nope"},
        {"profiles": [profile("a")]},  # no predictions
        {"profiles": [profile("a")], "predictions": [[0.2, 0.8], [0.5, 0.5]]},
        {"profiles": [profile("a")], "predictions": [[0.2]]},
        {"profiles": [profile("a")], "predictions": [[0.2, "high"]]},
        {"profiles": [{"text": "no reference, no key"}], "predictions": [[0.2, 0.8]]},
    ],
)
def test_unexpected_shapes(standin: StandIn, backend: HrFlowBackend, data: object) -> None:
    standin.serve(
        PATH,
        body=json.dumps({"code": 200, "message": "ok", "data": data}),
        content_type="application/json",
    )
    with pytest.raises(UnexpectedResponse):
        score(backend)


def test_redirects_are_not_followed(standin: StandIn, backend: HrFlowBackend) -> None:
    standin.serve(PATH, body="", status=302, headers={"Location": "http://elsewhere.invalid/steal"})
    with pytest.raises(UnexpectedResponse):
        score(backend)
    assert len(standin.requests()) == 1


def test_every_error_has_a_message_and_status(standin: StandIn, backend: HrFlowBackend) -> None:
    standin.serve(PATH, body={"code": 402, "message": "quota"}, status=402)
    with pytest.raises(BackendError) as caught:
        score(backend)
    assert caught.value.message and caught.value.status_code in (502, 503)


def test_missing_api_key_fails_before_any_call(httpserver: HTTPServer) -> None:
    with (
        hrflow_settings(httpserver, HRFLOW={"API_KEY": ""}),
        pytest.raises(BackendMisconfigured),
    ):
        score(HrFlowBackend(tenant=None))
    assert requests_made(httpserver) == []


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_meta_that_is_not_a_number_is_unexpected(standin: StandIn, backend: HrFlowBackend) -> None:
    body = json.loads(OK_BODY)
    body["meta"]["total"] = "lots"
    standin.serve(PATH, body=body)
    with pytest.raises(UnexpectedResponse):
        score(backend)


def test_transport_repr_hides_the_key(standin: StandIn, backend: HrFlowBackend) -> None:
    transport = backend.transport(backend.config())
    assert transport.api_key == API_KEY
    assert API_KEY not in repr(transport)
