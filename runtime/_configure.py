"""``tcapi configure``: profiles in tccli's files, which tccli and the library read.

A profile is two JSON files in ``~/.tccli/``: ``<profile>.credential``
(``secretId``, ``secretKey``, ``token``) and ``<profile>.configure`` (``region``,
``output``, ``language`` under ``_sys_param``, tccli's layout; other keys, such as
tccli's per-service endpoints, are kept as they are). Both are written whole to a
temporary file created with mode 0600 beside them and renamed over the old one, so
a reader never sees half a file and the secret is never world-readable; the
folder is made 0700.

* ``tcapi configure`` asks for each value (SecretKey without echo), Enter keeps the
  current one (shown masked); answers come line by line from stdin when it is not
  a terminal.
* ``tcapi configure set KEY VALUE [KEY VALUE ...]`` and ``get KEY``.
* ``tcapi configure list``: every profile (tccli's and the official SDK's INI
  file), keys masked to their last four characters, the active one marked.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

__all__ = [
    "ConfigureError",
    "profile_output",
    "profile_region",
    "profile_settings",
    "run_configure",
]

SYS_PARAM = "_sys_param"
CREDENTIAL_KEYS = ("secretId", "secretKey", "token")
SETTING_KEYS = ("region", "output", "language")
TCCLI_DEFAULTS: Mapping[str, object] = {"output": "json", "arrayCount": 10, "warning": "off"}
"""What tccli's own first write puts in ``_sys_param`` (bar the region): its calls
fail ("output is invalid") on a file without an output."""
TCCLI_OUTPUTS = ("json", "table", "text")
SECRET_KEYS = frozenset({"secretKey", "token"})
"""Never shown, not even masked to four characters by ``get``."""
OUTPUTS = ("json", "yaml", "table", "text")
LANGUAGES = ("en-US", "zh-CN")
_ALIASES = {
    "secret_id": "secretId",
    "secret-id": "secretId",
    "secretid": "secretId",
    "secret_key": "secretKey",
    "secret-key": "secretKey",
    "secretkey": "secretKey",
}
_PROMPTS = (
    ("secretId", "SecretId"),
    ("secretKey", "SecretKey"),
    ("region", "Default region (e.g. ap-guangzhou)"),
    ("output", "Default output format (json, yaml, table, text)"),
)


class ConfigureError(Exception):
    """A bad profile name, key or value, or an unreadable file: exit 2."""


# -- where, and reading -------------------------------------------------------------


def _folder() -> Path:
    from .credentials import TCCLI_DIRECTORY  # noqa: PLC0415

    return TCCLI_DIRECTORY.expanduser()


def _profile(profile: str | None) -> str:
    from .credentials import _profile_name  # noqa: PLC0415

    name = _profile_name(profile)[0]
    if not name or name.startswith(".") or "/" in name or "\\" in name or "\0" in name:
        raise ConfigureError(f"bad profile name {name!r}: a plain file name is needed")
    return name


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigureError(f"cannot read {path}: {type(exc).__name__}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigureError(f"{path} is not JSON: fix or remove it") from None
    if not isinstance(data, dict):
        raise ConfigureError(f"{path} is not a JSON object: fix or remove it")
    return data


def _settings(data: Mapping[str, Any]) -> dict[str, Any]:
    """A ``.configure`` file's settings: under ``_sys_param``, or at the top level
    (tccli's older layout, which it still reads)."""
    sys_param = data.get(SYS_PARAM)
    found = {k: data[k] for k in SETTING_KEYS if isinstance(data.get(k), str)}
    if isinstance(sys_param, Mapping):
        found.update({k: sys_param[k] for k in SETTING_KEYS if isinstance(sys_param.get(k), str)})
    return found


def profile_settings(profile: str | None) -> dict[str, str]:
    """The settings (region, output, language) the profile's ``.configure`` file
    sets, blank ones left out; an unreadable file sets none."""
    try:
        found = _settings(_read(_folder() / f"{_profile(profile)}.configure"))
    except ConfigureError:
        return {}  # the call goes on; `tcapi configure list` says what is wrong
    return {k: v.strip() for k, v in found.items() if isinstance(v, str) and v.strip()}


def profile_region(profile: str | None) -> str | None:
    """The region the profile's ``.configure`` file sets, if any."""
    return profile_settings(profile).get("region")


def profile_output(profile: str | None) -> str | None:
    """The output format the profile's ``.configure`` file sets, if any."""
    return profile_settings(profile).get("output")


# -- writing --------------------------------------------------------------------------


def _write(path: Path, data: Mapping[str, Any]) -> None:
    """``data`` as ``path``, whole or not at all, readable by its owner only."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
    import tempfile  # noqa: PLC0415

    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)  # 0600
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=4, ensure_ascii=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)  # whatever the umask did
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _key(raw: str) -> str:
    name, eq, _ = raw.partition("=")  # the part after "=" may be a secret: never shown
    key = _ALIASES.get(name.lower(), name)
    known = ", ".join((*CREDENTIAL_KEYS, *SETTING_KEYS))
    if key in CREDENTIAL_KEYS or key in SETTING_KEYS:
        if eq:
            raise ConfigureError(f"write {key} VALUE, not {key}=VALUE")
        return key
    shown = repr(name) if len(name) <= 20 and name.replace("_", "").isalnum() else "(not shown)"
    raise ConfigureError(f"unknown key {shown}: the keys are {known}")


def _check(key: str, value: str) -> str:
    value = value.strip()
    if key == "output" and value not in OUTPUTS:
        raise ConfigureError(f"output must be one of {', '.join(OUTPUTS)}, not {value!r}")
    if key == "language" and value not in LANGUAGES:
        raise ConfigureError(f"language must be one of {', '.join(LANGUAGES)}, not {value!r}")
    if key in CREDENTIAL_KEYS and (not value.isascii() or not value.isprintable() or " " in value):
        raise ConfigureError(f"{key} must be printable ASCII without spaces")
    return value


def save(profile: str, values: Mapping[str, str]) -> list[Path]:
    """Merge ``values`` (checked keys) into the profile's two files; an empty value
    removes the key. Returns the files written."""
    folder = _folder()
    written: list[Path] = []
    creds = {k: v for k, v in values.items() if k in CREDENTIAL_KEYS}
    settings = {k: v for k, v in values.items() if k in SETTING_KEYS}
    if creds:
        path = folder / f"{profile}.credential"
        data = _read(path)
        for k, v in creds.items():
            if v:
                data[k] = v
            else:
                data.pop(k, None)
        _write(path, data)
        written.append(path)
    if settings:
        path = folder / f"{profile}.configure"
        data = _read(path)
        sys_param = data.get(SYS_PARAM)
        sys_param = dict(sys_param) if isinstance(sys_param, Mapping) else {}
        for k, v in settings.items():
            data.pop(k, None)  # the older top-level layout moves under _sys_param
            if v:
                sys_param[k] = v
            else:
                sys_param.pop(k, None)
        for k, default in TCCLI_DEFAULTS.items():
            sys_param.setdefault(k, default)
        data[SYS_PARAM] = sys_param
        _write(path, data)
        written.append(path)
    return written


# -- showing --------------------------------------------------------------------------


def mask(value: str | None) -> str:
    """``****abcd``: only the last four characters, and only of a long enough value."""
    if not value:
        return "(not set)"
    return "****" + value[-4:] if len(value) >= 12 else "****"


def _current(profile: str) -> dict[str, str]:
    folder = _folder()
    found = {k: v for k, v in _read(folder / f"{profile}.credential").items() if isinstance(v, str)}
    found.update(_settings(_read(folder / f"{profile}.configure")))
    return {k: v for k, v in found.items() if k in (*CREDENTIAL_KEYS, *SETTING_KEYS)}


def _ini_profiles() -> dict[str, dict[str, str]]:
    import configparser  # noqa: PLC0415

    from .credentials import HOME_CREDENTIALS_FILE  # noqa: PLC0415

    path = HOME_CREDENTIALS_FILE.expanduser()
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return {}
    return {
        name: {
            "secretId": parser.get(name, "secret_id", fallback=""),
            "secretKey": parser.get(name, "secret_key", fallback=""),
        }
        for name in parser.sections()
    }


def _ini_shadowing(profile: str) -> Path | None:
    """The INI file the library reads, when it has this profile: its keys come
    before tccli's (``DefaultCredentialChain``)."""
    from .credentials import ProfileFileProvider  # noqa: PLC0415

    path = ProfileFileProvider(profile=profile)._path()
    if not path.is_file():
        return None
    import configparser  # noqa: PLC0415

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    return path if parser.has_section(profile) else None


def _notes(profile: str, values: Mapping[str, str], err: IO[str]) -> None:
    if any(values.get(k) for k in CREDENTIAL_KEYS):
        ini = _ini_shadowing(profile)
        if ini is not None:
            err.write(
                f"tcapi configure: note: profile [{profile}] of {ini} comes first: its keys, "
                "not these, sign requests (remove that section or use another --profile)\n"
            )
    output = values.get("output")
    if output and output not in TCCLI_OUTPUTS:
        err.write(
            f"tcapi configure: note: tccli knows no output {output!r}: its calls with this "
            "profile need --output json|table|text\n"
        )


def list_profiles(out: IO[str], active: str) -> None:
    from .credentials import HOME_CREDENTIALS_FILE  # noqa: PLC0415

    folder = _folder()
    rows: list[tuple[str, ...]] = []
    names = sorted(
        {p.stem for p in folder.glob("*.credential")} | {p.stem for p in folder.glob("*.configure")}
    )
    ini_profiles = _ini_profiles()
    # the row whose keys sign requests: the INI file's before tccli's, as in the library
    tccli_active = active not in ini_profiles
    for name in names:
        try:
            cur = _current(name)
        except ConfigureError as exc:
            rows.append(("*" if name == active else "", name, str(exc), "", "", "", ""))
            continue
        rows.append(
            (
                "*" if name == active and tccli_active else "",
                name,
                mask(cur.get("secretId")),
                mask(cur.get("secretKey")),
                cur.get("region", ""),
                cur.get("output", ""),
                f"{folder}/{name}.*",
            )
        )
    ini = HOME_CREDENTIALS_FILE.expanduser()
    for name, cur in sorted(ini_profiles.items()):
        mark = "*" if name == active else ""
        rows.append((mark, name, mask(cur["secretId"]), mask(cur["secretKey"]), "", "", str(ini)))
    if not rows:
        out.write(f"no profiles yet: tcapi configure [--profile NAME] writes {folder}/\n")
        return
    header = ("", "profile", "SecretId", "SecretKey", "region", "output", "file")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")


# -- asking --------------------------------------------------------------------------


def _ask(label: str, current: str | None, secret: bool, out: IO[str]) -> str | None:
    """One answer: None keeps the current value."""
    shown = mask(current) if (secret or label == "SecretId") and current else current or "None"
    prompt = f"{label} [{shown}]: "
    if sys.stdin.isatty():
        if secret:
            import getpass  # noqa: PLC0415

            answer = getpass.getpass(prompt)
        else:
            answer = input(prompt)
    else:  # a script or a pipe: one answer per line, nothing echoed
        out.write(prompt)
        out.flush()
        line = sys.stdin.readline()
        if not line:
            raise ConfigureError("stdin ended before every value was answered")
        answer = line.rstrip("\r\n")
        out.write("\n")
    return answer.strip() or None


def _interactive(profile: str, out: IO[str]) -> dict[str, str]:
    current = _current(profile)
    values: dict[str, str] = {}
    for key, label in _PROMPTS:
        answer = _ask(label, current.get(key), key in SECRET_KEYS, out)
        if answer is not None:
            values[key] = _check(key, answer)
    return values


# -- the command ------------------------------------------------------------------------


def run_configure(args: list[str], *, profile: str | None, out: IO[str], err: IO[str]) -> int:
    """``tcapi configure [list | set KEY VALUE ... | get KEY]``: the exit code."""
    try:
        return _run(args, profile, out, err)
    except ConfigureError as exc:
        err.write(f"tcapi configure: {exc}\n")
        return 2
    except (EOFError, KeyboardInterrupt):
        err.write("\ntcapi configure: stopped, nothing written\n")
        return 130


def _run(args: list[str], profile: str | None, out: IO[str], err: IO[str]) -> int:
    name = _profile(profile)
    verb = args[0] if args else ""
    if verb == "list":
        if len(args) != 1:
            raise ConfigureError("usage: tcapi configure list")
        list_profiles(out, name)
        return 0
    if verb == "get":
        if len(args) != 2:
            raise ConfigureError("usage: tcapi configure get KEY")
        key = _key(args[1])
        value = _current(name).get(key)
        if value is None:
            raise ConfigureError(f"{key} is not set in profile {name!r}")
        out.write((mask(value) if key in SECRET_KEYS else value) + "\n")
        return 0
    if verb == "set":
        pairs = args[1:]
        if not pairs or len(pairs) % 2:
            raise ConfigureError("usage: tcapi configure set KEY VALUE [KEY VALUE ...]")
        values = {_key(k): "" for k in pairs[::2]}
        for k, v in zip(pairs[::2], pairs[1::2], strict=True):
            values[_key(k)] = _check(_key(k), v) if v else ""
        save(name, values)
        _notes(name, values, err)
        return 0
    if args:
        raise ConfigureError(f"unknown command {verb!r}: configure [list | set | get]")
    values = _interactive(name, out)
    written = save(name, values)
    _notes(name, values, err)
    where = ", ".join(str(p) for p in written) or "nothing changed"
    out.write(f"profile {name!r}: {where}\n")
    return 0
