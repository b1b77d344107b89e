"""Actions that are not one JSON request and one JSON answer: server-sent-event
streams (hunyuan ChatCompletions), octet-stream uploads (cls UploadLog) and
multipart uploads (cii UploadMedicalFile) — against the emulator, a scripted
hostile server, and the official SDK's own non-JSON paths."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from tencentcloud.common.common_client import CommonClient as OfficialCommonClient
from tencentcloud.common.credential import Credential as OfficialCredential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from tcapi import (
    CommonClient,
    Credential,
    InvalidParameterError,
    ResponseError,
    RetryPolicy,
    TransportError,
)
from tcapi.cii import CiiClient
from tcapi.cls import AsyncClsClient, ClsClient
from tcapi.emulator import Emulator
from tcapi.errors import RequestLimitExceeded
from tcapi.hunyuan import AsyncHunyuanClient, HunyuanClient, models
from tcapi.schema import load_schema
from tcapi.streaming import MAX_EVENT_BYTES, ServerSentEvent, SseDecoder

from .scripted_server import Reply, scripted_server

REGION = "ap-guangzhou"
CRED = Credential("AKIDtest", "test-secret-key")
MESSAGES = [models.Message(role="user", content="1+1?")]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(semantics=False, rate_limit=False) as e:
        yield e


@pytest.fixture(autouse=True)
def _deprecated_actions_are_fine() -> Iterator[None]:
    # hunyuan's chat actions are marked deprecated by the definitions.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def documented_events(action: str = "ChatCompletions") -> list[dict[str, Any]]:
    """The first documented event stream of a hunyuan action (what the emulator sends)."""
    schema = load_schema("tcapi.hunyuan.v20230901._schema")
    from importlib.resources import files

    examples = json.loads(
        files("tcapi.hunyuan.v20230901").joinpath("examples.json").read_text("utf-8")
    )
    assert schema.actions[action].streams
    return next(e["events"] for e in examples[action] if "events" in e)


def official_common(emu: Emulator, service: str, version: str) -> Any:
    """The official SDK's CommonClient for the emulator (plain http, no retries)."""
    http = HttpProfile(protocol="http", endpoint=f"127.0.0.1:{emu.port}", reqTimeout=5)
    credential = OfficialCredential(emu.secret_id, emu.secret_key)
    return OfficialCommonClient(
        service, version, credential, REGION, ClientProfile(httpProfile=http)
    )


def sse(*events: object, extra: str = "") -> bytes:
    return (extra + "".join(f"data: {json.dumps(e)}\n\n" for e in events)).encode()


def hunyuan(endpoint: str, attempts: int = 1) -> HunyuanClient:
    return HunyuanClient(
        credential=CRED,
        region=REGION,
        endpoint=endpoint,
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.001, max_delay=0.01),
    )


# --------------------------------------------------------------------------- decoder


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    decoder = SseDecoder()
    out: list[ServerSentEvent] = []
    for chunk in chunks:
        out += decoder.feed(chunk)
    return out + decoder.close()


def test_decoder_follows_the_event_stream_format() -> None:
    text = b": a comment\r\nevent: delta\r\nid: 7\r\nretry: 1500\r\ndata: a\r\ndata:b\r\n\r\n"
    text += b"data: second\rdata: line\r\rdata: last, no blank line"
    events = decode(text)
    assert events == [
        ServerSentEvent(data="a\nb", event="delta", id="7", retry=1500),
        ServerSentEvent(data="second\nline", event="", id="7", retry=1500),
        ServerSentEvent(data="last, no blank line", event="", id="7", retry=1500),
    ]


def test_decoder_gives_the_same_events_however_the_bytes_are_split() -> None:
    text = 'data: {"A": "é"}\r\n\r\ndata: 2\r\n\r\n: c\n\ndata: 3\n\n'.encode()
    whole = decode(text)
    assert [e.data for e in whole] == ['{"A": "é"}', "2", "3"]
    for size in (1, 2, 3, 7):
        parts = [text[i : i + size] for i in range(0, len(text), size)]
        assert decode(*parts) == whole, size


def test_decoder_refuses_an_event_larger_than_the_bound() -> None:
    decoder = SseDecoder(status=200, request_id="rid-big")
    with pytest.raises(ResponseError) as info:
        for _ in range(MAX_EVENT_BYTES // (1 << 20) + 2):
            decoder.feed(b"x" * (1 << 20))  # one endless line
    assert info.value.request_id == "rid-big"
    assert "larger than" in str(info.value)


# --------------------------------------------------------------------------- emulator


def test_stream_method_yields_each_documented_event_as_a_typed_response(emu: Emulator) -> None:
    client = emu.client(HunyuanClient, region=REGION)
    with client.chat_completions_stream(model="m", messages=MESSAGES, stream=True) as stream:
        assert stream.is_event_stream
        items = list(stream)
    expected = documented_events()
    assert len(items) == len(expected) > 1
    assert all(isinstance(i, models.ChatCompletionsResponse) for i in items)
    assert [i.to_dict() for i in items] == expected
    record = emu.requests[-1]
    assert (record.action, (record.params or {}).get("Stream")) == ("ChatCompletions", True)
    assert stream.request_id == record.request_id


def test_stream_method_gives_a_json_answer_as_one_item(emu: Emulator) -> None:
    client = emu.client(HunyuanClient, region=REGION)
    stream = client.chat_completions_stream(model="m", messages=MESSAGES, stream=False)
    items = list(stream)
    assert not stream.is_event_stream
    assert len(items) == 1 and isinstance(items[0], models.ChatCompletionsResponse)
    assert items[0].request_id == stream.request_id == emu.requests[-1].request_id
    assert list(stream) == []  # iterated once


def test_plain_method_refuses_an_event_stream_and_names_the_stream_method(
    emu: Emulator,
) -> None:
    client = emu.client(HunyuanClient, region=REGION)
    with pytest.raises(ResponseError, match=r"chat_completions_stream\(\)"):
        client.chat_completions(model="m", messages=MESSAGES, stream=True)


def test_stream_request_is_validated_before_anything_is_sent(emu: Emulator) -> None:
    client = emu.client(HunyuanClient, region=REGION)
    before = len(emu.requests)
    with pytest.raises(InvalidParameterError, match="Model"):
        client.chat_completions_stream(model=123, messages=MESSAGES, stream=True)  # type: ignore[call-overload]
    assert len(emu.requests) == before


def test_call_stream_gives_the_events_data_as_dicts(emu: Emulator) -> None:
    common = emu.client(CommonClient, service="hunyuan", version="2023-09-01", region=REGION)
    params = {"Model": "m", "Messages": [{"Role": "user", "Content": "x"}], "Stream": True}
    with common.call_stream("ChatCompletions", params) as stream:
        assert list(stream) == documented_events()


@pytest.mark.anyio
async def test_async_stream_method_yields_the_same_events(emu: Emulator) -> None:
    async with emu.client(AsyncHunyuanClient, region=REGION) as client:
        stream = await client.chat_completions_stream(model="m", messages=MESSAGES, stream=True)
        async with stream:
            items = [item.to_dict() async for item in stream]
    assert items == documented_events()


def test_official_sdk_reads_the_emulators_event_stream(emu: Emulator) -> None:
    official = official_common(emu, "hunyuan", "2023-09-01")
    params = {"Model": "m", "Messages": [{"Role": "user", "Content": "x"}], "Stream": True}
    events = [json.loads(e["data"]) for e in official.call_sse("ChatCompletions", params)]
    assert events == documented_events()


# --------------------------------------------------------------------------- hostile


def test_an_error_event_raises_the_typed_api_error_with_its_request_id() -> None:
    error = {"Code": "RequestLimitExceeded", "Message": "slow"}
    body = sse({"Choices": [], "Id": "c1"}, {"Response": {"Error": error, "RequestId": "rid-e"}})
    reply = Reply(body=body, content_type="text/event-stream")
    with scripted_server(reply) as (url, _):
        stream = hunyuan(url).chat_completions_stream(model="m", messages=MESSAGES, stream=True)
        items = iter(stream)
        assert next(items).id == "c1"
        with pytest.raises(RequestLimitExceeded) as info:
            next(items)
    assert info.value.request_id == "rid-e"


def test_an_event_that_is_not_json_is_a_response_error_with_the_header_request_id() -> None:
    reply = Reply(
        body=b"data: {not json\n\n",
        content_type="text/event-stream",
        headers={"X-TC-RequestId": "rid-h"},
    )
    with scripted_server(reply) as (url, _):
        stream = hunyuan(url).chat_completions_stream(model="m", messages=MESSAGES, stream=True)
        assert stream.request_id == "rid-h"
        with pytest.raises(ResponseError, match="not JSON") as info:
            list(stream)
    assert info.value.request_id == "rid-h"
    assert "{not json" in info.value.excerpt


def test_a_stream_cut_off_midway_is_a_transport_error_after_the_events_before() -> None:
    body = sse({"Id": "a"}, {"Id": "b"}, {"Id": "c"})
    reply = Reply(body=body, content_type="text/event-stream", truncate_to=len(body) - 5)
    with scripted_server(reply) as (url, _):
        stream = hunyuan(url).chat_completions_stream(model="m", messages=MESSAGES, stream=True)
        seen: list[str | None] = []
        with pytest.raises(TransportError):
            for item in stream:
                seen.append(item.id)
    assert seen == ["a", "b"]


def test_a_throttled_stream_call_is_retried_before_the_stream_starts() -> None:
    replies = [
        Reply.error("RequestLimitExceeded", "slow down"),
        Reply(body=sse({"Id": "ok"}), content_type="text/event-stream"),
    ]
    with scripted_server(*replies) as (url, script):
        stream = hunyuan(url, attempts=3).chat_completions_stream(
            model="m", messages=MESSAGES, stream=True
        )
        assert [i.id for i in stream] == ["ok"]
    assert len(script.received) == 2


def test_an_event_stream_with_an_error_status_is_refused() -> None:
    reply = Reply(status=500, body=sse({"Id": "x"}), content_type="text/event-stream")
    with scripted_server(reply) as (url, _), pytest.raises(ResponseError) as info:
        hunyuan(url).chat_completions_stream(model="m", messages=MESSAGES, stream=True)
    assert info.value.status == 500


def test_a_member_of_another_type_in_an_event_is_kept_and_reported() -> None:
    reply = Reply(body=sse({"Id": 12, "Created": "x"}), content_type="text/event-stream")
    with scripted_server(reply) as (url, _):
        (item,) = hunyuan(url).chat_completions_stream(model="m", messages=MESSAGES, stream=True)
    assert item.to_dict() == {"Id": 12, "Created": "x"}
    assert {d.path for d in item.wire_deviations} == {"Id", "Created"}


# --------------------------------------------------------------------------- uploads


def test_octet_stream_upload_signs_the_raw_body_and_sends_members_in_headers(
    emu: Emulator,
) -> None:
    body = bytes(range(256)) * 3
    resp = emu.client(ClsClient, region=REGION).upload_log(
        topic_id="topic-1", compress_type="lz4", body=body
    )
    record = emu.requests[-1]
    assert (record.action, record.error_code) == ("UploadLog", None)  # the signature held
    assert record.params == {"TopicId": "topic-1", "CompressType": "lz4"}
    assert record.headers["content-type"] == "application/octet-stream"
    assert record.headers["x-cls-topicid"] == "topic-1"
    assert resp.request_id == record.request_id


@pytest.mark.anyio
async def test_async_octet_stream_upload(emu: Emulator) -> None:
    async with emu.client(AsyncClsClient, region=REGION) as client:
        resp = await client.upload_log(topic_id="topic-2", body=b"\x00pb")
    assert resp.request_id == emu.requests[-1].request_id
    assert emu.requests[-1].params == {"TopicId": "topic-2"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"topic_id": "t\r\nX-Evil: 1", "body": b""}, "line breaks"),
        ({"topic_id": "t", "body": "text"}, "body must be bytes"),
        ({"topic_id": 5, "body": b""}, "TopicId"),
    ],
)
def test_bad_upload_input_is_refused_before_sending(
    emu: Emulator, kwargs: dict[str, Any], match: str
) -> None:
    before = len(emu.requests)
    with pytest.raises(InvalidParameterError, match=match):
        emu.client(ClsClient, region=REGION).upload_log(**kwargs)
    assert len(emu.requests) == before


def test_official_sdk_octet_stream_upload_is_accepted_by_the_emulator(emu: Emulator) -> None:
    official = official_common(emu, "cls", "2020-10-16")
    answer = official.call_octet_stream("UploadLog", {"X-CLS-TopicId": "topic-3"}, b"\x01\x02")
    assert answer["Response"]["RequestId"] == emu.requests[-1].request_id
    assert emu.requests[-1].params == {"TopicId": "topic-3"}


def test_multipart_upload_sends_the_file_part_and_the_members(emu: Emulator) -> None:
    data = b"%PDF-1.4 \x00\xff binary \r\n--not-a-boundary"
    cii = emu.client(CiiClient, region=REGION)
    resp = cii.upload_medical_file(file=data, file_url="https://example.invalid/x")
    record = emu.requests[-1]
    assert record.error_code is None  # signed over the multipart body, validated
    assert record.headers["content-type"].startswith("multipart/form-data; boundary=")
    params = record.params or {}
    assert base64.b64decode(params["File"]) == data
    assert params["FileURL"] == "https://example.invalid/x"
    assert resp.request_id == record.request_id


def test_official_sdk_multipart_upload_is_accepted_by_the_emulator(emu: Emulator) -> None:
    official = official_common(emu, "cii", "2021-04-08")
    body = official.call(
        "UploadMedicalFile",
        {"File": b"\x00\x01file"},
        options={"IsMultipart": True, "BinaryParams": ["File"]},
    )
    assert json.loads(body)["Response"]["RequestId"] == emu.requests[-1].request_id
    assert base64.b64decode((emu.requests[-1].params or {})["File"]) == b"\x00\x01file"
