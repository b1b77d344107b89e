"""Where a client sends: the hosts the definitions name per site, regional hosts,
the hosts of actions that have their own, and the errors for combinations that
name no host. A built client's URL is checked, or where a request goes through a
loopback proxy that refuses every tunnel: nothing leaves the machine."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml

from tcapi import CommonClient, Credential, RetryPolicy
from tcapi.aca import AcaClient
from tcapi.cvm import CvmClient
from tcapi.errors import ConfigurationError, TransportError
from tcapi.es import AsyncEsClient, EsClient
from tcapi.es.v20250101.models import ParseDocument
from tcapi.mqtt import MqttClient
from tests.scripted_server import serve

CRED = Credential("AKIDtest", "test-secret-key")
SPEC = Path(__file__).resolve().parent.parent / "spec"


def test_the_schema_names_the_sites_the_definitions_document() -> None:
    spec = yaml.safe_load((SPEC / "cvm/2017-03-12/service.yaml").read_text("utf-8"))
    assert (
        CvmClient.SERVICE.endpoints
        == spec["endpoints"]
        == {
            "china": "cvm.tencentcloudapi.com",
            "international": "cvm.intl.tencentcloudapi.com",
        }
    )
    # aca is documented by the Chinese definitions only.
    assert dict(AcaClient.SERVICE.endpoints) == {"china": "aca.tencentcloudapi.com"}


def test_site_picks_the_sites_host() -> None:
    china = CvmClient(credential=CRED, region="ap-guangzhou")
    intl = CvmClient(credential=CRED, region="ap-singapore", site="international")
    mqtt_china = MqttClient(credential=CRED, region="ap-guangzhou", site="china")
    assert china.endpoint == "https://cvm.tencentcloudapi.com/"
    assert intl.endpoint == "https://cvm.intl.tencentcloudapi.com/"
    assert mqtt_china.endpoint == "https://mqtt.tencentcloudapi.com/"


def test_a_site_the_version_lacks_is_refused_naming_the_ones_it_has() -> None:
    with pytest.raises(ConfigurationError, match=r"no 'international' endpoint.*'china'"):
        AcaClient(credential=CRED, region="ap-guangzhou", site="international")


def test_regional_inserts_the_region() -> None:
    client = CvmClient(credential=CRED, region="ap-shanghai", regional=True)
    assert client.endpoint == "https://cvm.ap-shanghai.tencentcloudapi.com/"
    common = CommonClient("vpc", "2017-03-12", credential=CRED, region="na-ashburn", regional=True)
    assert common.endpoint == "https://vpc.na-ashburn.tencentcloudapi.com/"


@pytest.mark.parametrize(
    ("options", "match"),
    [
        (
            {"region": "ap-guangzhou", "endpoint": "cvm.tencentcloudapi.com", "site": "china"},
            "not both",
        ),
        ({"region": "ap-guangzhou", "site": "international", "regional": True}, "has none"),
        ({"region": "ap guangzhou", "regional": True}, "does not look like a Tencent"),
    ],
)
def test_host_options_that_name_no_host_are_refused(options: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        CvmClient(credential=CRED, **options)  # type: ignore[arg-type]


def test_regional_without_a_region_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="regional=True needs a region"):
        CommonClient("vpc", "2017-03-12", credential=CRED, regional=True)


class _RecordingProxy(BaseHTTPRequestHandler):
    """A forward proxy on 127.0.0.1 that connects nowhere: it notes the host each
    CONNECT asks for and refuses it, so a test sees where a client sends without
    anything leaving the machine."""

    protocol_version = "HTTP/1.1"
    seen: list[str]

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_CONNECT(self) -> None:
        self.seen.append(self.path)
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True


@contextmanager
def recording_proxy() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    with serve(type("Handler", (_RecordingProxy,), {"seen": seen})) as url:
        yield url, seen


ONE_TRY = RetryPolicy(max_attempts=1)


def test_the_spec_gives_es_chat_completions_a_host_of_its_own() -> None:
    overrides = yaml.safe_load((SPEC / "es/2025-01-01/overrides.yaml").read_text("utf-8"))
    assert overrides["actions"]["ChatCompletions"]["endpoint"] == "es.ai.tencentcloudapi.com"
    assert dict(EsClient.SERVICE.action_hosts) == {
        "ChatCompletions": "es.ai.tencentcloudapi.com",
        "ParseDocument": "es.ai.tencentcloudapi.com",
    }


def test_an_action_with_a_host_of_its_own_is_sent_there_and_the_others_to_the_service() -> None:
    with recording_proxy() as (proxy, seen):
        with EsClient(credential=CRED, region="ap-guangzhou", proxy=proxy, retry=ONE_TRY) as client:
            with pytest.raises(TransportError):
                client.call("ChatCompletions", {"ModelName": "m", "Messages": []})
            with pytest.raises(TransportError):
                client.call("RunRerank", {"Query": "q", "Documents": ["d"]})
            with pytest.raises(TransportError):
                client.parse_document(
                    document=ParseDocument(file_type="PDF", file_url="https://x/y.pdf"),
                    model_name="m",
                )
    assert seen == [
        "es.ai.tencentcloudapi.com:443",
        "es.tencentcloudapi.com:443",
        "es.ai.tencentcloudapi.com:443",
    ]


def test_the_async_client_sends_an_action_to_its_own_host_too() -> None:
    async def main() -> None:
        async with AsyncEsClient(
            credential=CRED, region="ap-guangzhou", proxy=proxy, retry=ONE_TRY
        ) as client:
            with pytest.raises(TransportError):
                await client.call("ChatCompletions", {"ModelName": "m", "Messages": []})
            with pytest.raises(TransportError):
                await client.call("RunRerank", {"Query": "q", "Documents": ["d"]})

    with recording_proxy() as (proxy, seen):
        asyncio.run(main())
    assert seen == ["es.ai.tencentcloudapi.com:443", "es.tencentcloudapi.com:443"]


@pytest.mark.parametrize(
    ("options", "host"),
    [
        ({"endpoint": "es.tencentcloudapi.com"}, "es.tencentcloudapi.com:443"),
        ({"site": "international"}, "es.intl.tencentcloudapi.com:443"),
        ({"regional": True}, "es.ap-guangzhou.tencentcloudapi.com:443"),
    ],
)
def test_a_host_the_caller_chose_takes_every_action(options: dict[str, object], host: str) -> None:
    with recording_proxy() as (proxy, seen):
        client = EsClient(
            credential=CRED,
            region="ap-guangzhou",
            proxy=proxy,
            retry=ONE_TRY,
            **options,  # type: ignore[arg-type]
        )
        with client, pytest.raises(TransportError):
            client.call("ChatCompletions", {"ModelName": "m", "Messages": []})
    assert seen == [host]


def test_with_a_circuit_breaker_the_backup_and_the_actions_host_stay_apart() -> None:
    with recording_proxy() as (proxy, seen):
        with EsClient(
            credential=CRED,
            region="ap-shanghai",
            proxy=proxy,
            retry=ONE_TRY,
            circuit_breaker=True,
        ) as client:
            assert client.backup_endpoint == "https://es.ap-guangzhou.tencentcloudapi.com/"
            for action in ("ChatCompletions", "RunRerank"):
                with pytest.raises(TransportError):
                    client.call(action, {})
    assert seen == ["es.ai.tencentcloudapi.com:443", "es.tencentcloudapi.com:443"]
    assert EsClient(credential=CRED, region="ap-guangzhou").backup_endpoint is None
