"""The stand-in's random faults (for soak tests): the share, the kinds, and heal()."""

from __future__ import annotations

import requests

from django_convert.testing.tracking_server import ConvertStandIn

BODY = {
    "accountId": "10012345",
    "projectId": "10056789",
    "visitors": [
        {
            "visitorId": "v1",
            "events": [{"eventType": "conversion", "data": {"goalId": "100037225"}}],
        }
    ],
}


def post(server: ConvertStandIn) -> int | None:
    try:
        return requests.post(
            server.url + "/10012345/10056789",
            json=BODY,
            headers={"User-Agent": "ConvertAgent/1.0"},
            timeout=5,
        ).status_code
    except requests.ConnectionError:
        return None  # a reset


def test_random_faults_answer_about_the_given_share_with_every_kind() -> None:
    with ConvertStandIn() as server:
        server.random_faults(0.5, seed=3)
        answers = [post(server) for _ in range(200)]
        faults = [a for a in answers if a != 200]
        assert 60 <= len(faults) <= 140
        assert set(faults) == {500, 503, 429, None}
        assert sum(server.injected.values()) == len(faults)
        assert len(server.accepted()) == answers.count(200)
        server.heal()
        assert [post(server) for _ in range(5)] == [200] * 5


def test_429_says_when_to_retry() -> None:
    with ConvertStandIn() as server:
        server.random_faults(1.0, kinds=("429",))
        response = requests.post(server.url + "/10012345/10056789", json=BODY, timeout=5)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "1"
