"""Where a client sends: the hosts the definitions name per site, regional hosts,
and the errors for combinations that name no host. Only a built client's URL is
checked here (nothing is sent); tests that send use the loopback emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tcapi import CommonClient, Credential
from tcapi.aca import AcaClient
from tcapi.cvm import CvmClient
from tcapi.errors import ConfigurationError
from tcapi.mqtt import MqttClient

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
