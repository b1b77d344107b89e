"""Credentials and where they come from.

A client asks its :class:`CredentialProvider` for a :class:`Credential` on every
attempt (cheap for static credentials; lets temporary ones refresh). The
default chain looks, in order, at the environment and at the profile file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

import attrs

from .errors import CredentialsError

ENV_SECRET_ID = "TENCENTCLOUD_SECRET_ID"  # noqa: S105 - variable names, not secrets
ENV_SECRET_KEY = "TENCENTCLOUD_SECRET_KEY"  # noqa: S105
ENV_TOKEN = "TENCENTCLOUD_TOKEN"  # noqa: S105


def _redacted(value: object) -> str:
    return "None" if value is None else "'***'"


@attrs.frozen
class Credential:
    """A SecretId/SecretKey pair, with a token for temporary credentials.

    repr() and str() never show the key or the token.
    """

    secret_id: str = attrs.field()
    secret_key: str = attrs.field(repr=_redacted)
    token: str | None = attrs.field(default=None, repr=_redacted)

    @secret_id.validator
    def _check_id(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise CredentialsError("Credential.secret_id must be a non-empty string")

    @secret_key.validator
    def _check_key(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise CredentialsError("Credential.secret_key must be a non-empty string")

    def get_credential(self) -> Credential:
        """A Credential is its own (static) provider."""
        return self


@runtime_checkable
class CredentialProvider(Protocol):
    """Anything that can hand out the credential to sign the next request with.

    Async clients call ``async aget_credential()`` instead when the provider has
    one, so that a provider that refreshes over the network does not block the
    event loop.
    """

    def get_credential(self) -> Credential: ...


class EnvironmentProvider:
    """TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY (/ TENCENTCLOUD_TOKEN)."""

    def __repr__(self) -> str:
        return "EnvironmentProvider()"

    def load(self) -> Credential | None:
        sid = os.environ.get(ENV_SECRET_ID)
        key = os.environ.get(ENV_SECRET_KEY)
        if not sid or not key:
            return None
        return Credential(sid, key, os.environ.get(ENV_TOKEN) or None)

    def describe(self) -> str:
        return f"environment variables {ENV_SECRET_ID} and {ENV_SECRET_KEY}"


class ProfileFileProvider:
    """An INI file as tccli writes it: ``[default]`` with secret_id/secret_key."""

    def __init__(self, path: str | os.PathLike[str] | None = None, profile: str = "default"):
        self.path = Path(path) if path is not None else None
        self.profile = profile

    def __repr__(self) -> str:
        return f"ProfileFileProvider(path={str(self._path())!r}, profile={self.profile!r})"

    def _path(self) -> Path:
        if self.path is not None:
            return self.path
        return Path.home() / ".tencentcloud" / "credentials"

    def load(self) -> Credential | None:
        path = self._path()
        if not path.is_file():
            return None
        import configparser  # noqa: PLC0415 - only needed when a profile file exists

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError) as exc:
            raise CredentialsError(
                f"cannot read credentials file {path}: {type(exc).__name__}"
            ) from None
        if not parser.has_section(self.profile):
            return None
        section = parser[self.profile]
        sid, key = section.get("secret_id"), section.get("secret_key")
        if not sid or not key:
            raise CredentialsError(
                f"credentials file {path}, profile [{self.profile}], "
                "needs both secret_id and secret_key"
            )
        return Credential(sid.strip(), key.strip(), (section.get("token") or "").strip() or None)

    def describe(self) -> str:
        return f"profile [{self.profile}] of {self._path()}"


class _Source(Protocol):
    def load(self) -> Credential | None: ...
    def describe(self) -> str: ...


class DefaultCredentialChain:
    """Environment, then the profile file. Resolves once and keeps the result."""

    def __init__(self, sources: list[_Source] | None = None) -> None:
        self.sources: list[_Source] = (
            sources if sources is not None else [EnvironmentProvider(), ProfileFileProvider()]
        )
        self._resolved: Credential | None = None

    def __repr__(self) -> str:
        return f"DefaultCredentialChain({self.sources!r})"

    def get_credential(self) -> Credential:
        if self._resolved is None:
            for source in self.sources:
                cred = source.load()
                if cred is not None:
                    self._resolved = cred
                    break
            else:
                looked = "; ".join(s.describe() for s in self.sources)
                raise CredentialsError(
                    "no Tencent Cloud credentials found. Looked in: "
                    f"{looked}. Pass credential=Credential(secret_id, secret_key)."
                )
        return self._resolved
