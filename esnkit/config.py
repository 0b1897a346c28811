"""Client configuration and workspace paths: the one place defaults live.

A client is a folder ``<data dir>/<client>/`` holding ``client.yml``, the secret key, ``raw/``
exports, ``processed/`` data, ``reports/<as_of>/`` deliverables and ``restricted/`` contact lists.
:class:`ClientPaths` builds every one of those paths; nothing else in esnkit joins them by hand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

__all__ = [
    "ClientConfig",
    "OWNER_THEMES",
    "Leaders",
    "SourceConfig",
    "RosterConfig",
    "SurveyConfig",
    "Branding",
    "ClientPaths",
    "data_dir",
    "load_config",
    "client_template",
    "check_logo",
    "DATA_DIR_ENV",
]

DATA_DIR_ENV = "ESNKIT_DATA_DIR"
SMALLEST_SAFE_GROUP = 3  # below this, suppression needs allow_small_groups: true
CLIENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclasses.dataclass(frozen=True)
class SourceConfig:
    path: str  # relative to the client folder
    format: str = "auto"


@dataclasses.dataclass(frozen=True)
class RosterConfig:
    path: str
    join_on: str = "email"  # "email" or "source_user_id"
    # roster column for each canonical attribute; unmapped roster columns are ignored
    columns: dict[str, str] = dataclasses.field(default_factory=lambda: {"email": "email", "department": "department", "location": "location"})


@dataclasses.dataclass(frozen=True)
class SurveyConfig:
    path: str
    email_column: str = "email"  # empty cells mean anonymous responses
    attributes: tuple[str, ...] = ()  # respondent attribute columns; the rest are questions
    scale_max: int = 5  # Likert scale top; favourable = the top two points


@dataclasses.dataclass(frozen=True)
class Branding:
    logo: str | None = None  # path relative to the client folder (PNG/SVG/JPEG)
    primary_color: str = "#1f3a5f"
    accent_color: str = "#e0822c"


@dataclasses.dataclass(frozen=True)
class Leaders:
    """Who counts as a leader: people whose roster ``attribute`` is one of ``values`` (a grade, say), and/or by e-mail."""

    attribute: str | None = None  # a people attribute from the roster, e.g. grade
    values: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class EngineConfig:
    """What reduces the events (``esnkit.reduce``): DuckDB embedded by default, or a Spark cluster."""

    name: str = "duckdb"  # duckdb or spark
    master: str | None = None  # spark only: spark://host:7077, yarn, local[*] (the default)
    memory_limit: str | None = None  # duckdb only: e.g. 8GB (default: half the machine's memory)
    threads: int | None = None  # duckdb only (default: every core)
    source: str | None = None  # where the engine reads the canonical tables (default: processed/); a folder or data-lake URL
    config: tuple[tuple[str, str], ...] = ()  # spark only: spark.* settings, e.g. spark.executor.memory: 8g

    def options(self) -> dict[str, Any]:
        """The keyword options of :func:`esnkit.reduce.make_engine` for this engine."""
        if self.name == "spark":
            return {"master": self.master or "local[*]", "config": dict(self.config)}
        return {"memory_limit": self.memory_limit, "threads": self.threads}


ENGINES = ("duckdb", "spark")


@dataclasses.dataclass(frozen=True)
class ClientConfig:
    """Everything that varies per client. Unknown keys are errors, so typos cannot pass silently."""

    name: str
    sources: tuple[SourceConfig, ...] = ()
    roster: RosterConfig | None = None
    survey: SurveyConfig | None = None
    interviews: str | None = None
    as_of: dt.date | None = None  # last day analysed; default: the last day of the last complete month in the data
    min_group_size: int = 5  # breakdowns by an HR attribute hide cells with fewer people
    allow_small_groups: bool = False  # min_group_size under 3 only with this set, and a warning on every run
    show_names: bool = False  # names in deliverables only with the client's consent
    keep_text: bool = False  # message bodies are dropped at load unless a step needs them
    inactive_days: int = 90  # no activity for this long = lapsed
    delivered_on: dt.date | None = None  # the day the deliverables are delivered (due dates count from it); default: the day of the run
    history_complete_from: dt.date | None = None  # where the complete history starts, when the data's own detection is wrong (esnkit.profile)
    branding: Branding = Branding()
    objectives: tuple[dict[str, Any], ...] = ()
    campaigns: tuple[dict[str, Any], ...] = ()
    opt_outs: tuple[str, ...] = ()  # e-mails never to appear in contact lists
    prepared_by: str | None = None  # who prepared the deliverables, on every cover
    owners: tuple[tuple[str, str], ...] = ()  # (theme, role): who owns the actions of each OWNER_THEMES theme
    leaders: Leaders | None = None  # who counts as a leader, for step 1's leader analytics
    engine: EngineConfig = EngineConfig()  # what reduces the events: duckdb (embedded) or spark
    network_start: dt.date | None = None  # when the network launched; default: its first community, else its first message
    timezone: str = "UTC"  # the client's IANA time zone: the busiest-hours heatmap is in it

    def owner(self, theme: str) -> str:
        """The role ``owners:`` names for ``theme`` (one of :data:`OWNER_THEMES`), or ``""`` when none is named yet."""
        if theme not in OWNER_THEMES:
            raise ValueError(f"unknown owner theme {theme!r}; choose one of {', '.join(OWNER_THEMES)}")
        return dict(self.owners).get(theme, "")


#: The themes whose actions ``owners:`` assigns, and what each covers.
OWNER_THEMES: dict[str, str] = {
    "adoption": "bringing people in and back: launch comms, invitations, the never-activated",
    "conversation": "questions answered and response times",
    "communities": "community management: reviving, merging and archiving communities",
    "people": "the people the network depends on: lapsed heavy contributors, champions",
    "network": "silos and key-person risk: links between departments",
}


def _check_keys(cls: type, data: dict[str, Any], where: str) -> None:
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")


def _typed(value: Any, kind: type, where: str) -> Any:
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return value
    if kind is str:
        if not isinstance(value, (str, int, float)):
            raise ConfigError(f"{where}: expected text, got {value!r}")
        return str(value)
    return value


def _parse_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: expected a date like 2026-06-30, got {value!r}") from None


def _network_start(value: Any, where: str) -> dt.date:
    """client.yml's ``network_start``: a date inside the times an export may hold (the parsing bound, 1990-2100)."""
    from .loaders._common import PLAUSIBLE_FROM, PLAUSIBLE_UNTIL

    if isinstance(value, dt.datetime):
        raise ConfigError(f"{where}: expected a date like 2019-03-01 (the day the network launched), got {value!r}")
    day = _parse_date(value, where)
    if not PLAUSIBLE_FROM.date() <= day < PLAUSIBLE_UNTIL.date():
        raise ConfigError(
            f"{where}: {day} is outside the times an export can hold ({PLAUSIBLE_FROM:%Y-%m-%d} to {PLAUSIBLE_UNTIL:%Y-%m-%d}); "
            "give the day the network launched, or leave it out to take the first community or message"
        )
    return day


def time_zone(value: Any, where: str) -> str:
    """An IANA time zone name (``Europe/Berlin``, ``America/New_York``, ``UTC``) as client.yml gives it, checked.

    >>> time_zone("Europe/Berlin", "client.yml: timezone")
    'Europe/Berlin'
    """
    import zoneinfo

    name = value.strip() if isinstance(value, str) else ""
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ConfigError(
            f"{where}: {_short(value)} is not an IANA time zone name; write one like Europe/Berlin, America/New_York or UTC (the default)"
        ) from None
    return name


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping of keys to values, got {value!r}")
    return value


def _source(value: Any, where: str) -> SourceConfig:
    if isinstance(value, str):
        return SourceConfig(path=value)
    data = _mapping(value, where)
    _check_keys(SourceConfig, data, where)
    if "path" not in data:
        raise ConfigError(f"{where}: a source needs a path")
    return SourceConfig(path=str(data["path"]), format=str(data.get("format", "auto")))


_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+")
_NAMED = re.compile(r"^[^<>]*<([^<>]*)>$")


def email_address(value: Any, where: str) -> str:
    """One e-mail address from a config list, normalised (:func:`esnkit._text.normalise_email`).

    ``name@example.com`` and, as pasted from Outlook, ``Name <name@example.com>`` are accepted;
    anything else (two addresses, a bare name, a number) is refused naming ``where``.

    Examples
    --------
    >>> email_address("Aoife Ito <Aoife.Ito@X.com>", "client.yml: opt_outs[0]")
    'aoife.ito@x.com'
    """
    from ._text import normalise_email

    text = str(value).strip() if isinstance(value, str) else ""
    named = _NAMED.match(text)
    address = named.group(1).strip() if named else text
    if address.lower().startswith("mailto:"):
        address = address[7:]
    if not _ADDRESS.fullmatch(address):
        raise ConfigError(f"{where}: {_short(value)} is not an e-mail address; write it as name@example.com (or Name <name@example.com>)")
    return normalise_email(address)


def config_from_dict(data: dict[str, Any], where: str = "client.yml") -> ClientConfig:
    """Build a :class:`ClientConfig` from parsed YAML, checking every key and type."""
    data = _mapping(data, where)
    _check_keys(ClientConfig, data, where)
    if not data.get("name"):
        raise ConfigError(f"{where}: `name` is required (the client's display name)")
    kw: dict[str, Any] = {"name": str(data["name"])}
    sources = data.get("sources") or []
    if not isinstance(sources, list):
        raise ConfigError(f"{where}: `sources` must be a list of {{path, format}}")
    kw["sources"] = tuple(_source(s, f"{where}: sources[{i}]") for i, s in enumerate(sources))
    if data.get("roster") is not None:
        roster = data["roster"]
        roster = {"path": roster} if isinstance(roster, str) else _mapping(roster, f"{where}: roster")
        _check_keys(RosterConfig, roster, f"{where}: roster")
        if roster.get("join_on", "email") not in ("email", "source_user_id"):
            raise ConfigError(f"{where}: roster.join_on must be email or source_user_id")
        columns = roster.get("columns")
        kw["roster"] = RosterConfig(
            path=str(roster["path"]),
            join_on=roster.get("join_on", "email"),
            **({"columns": {str(k): str(v) for k, v in _mapping(columns, f"{where}: roster.columns").items()}} if columns else {}),
        )
    if data.get("survey") is not None:
        survey = data["survey"]
        survey = {"path": survey} if isinstance(survey, str) else _mapping(survey, f"{where}: survey")
        _check_keys(SurveyConfig, survey, f"{where}: survey")
        kw["survey"] = SurveyConfig(
            path=str(survey["path"]),
            email_column=str(survey.get("email_column", "email")),
            attributes=tuple(str(a) for a in survey.get("attributes", ()) or ()),
            scale_max=_typed(survey.get("scale_max", 5), int, f"{where}: survey.scale_max"),
        )
    if data.get("interviews") is not None:
        kw["interviews"] = str(data["interviews"])
    if data.get("as_of") is not None:
        kw["as_of"] = _parse_date(data["as_of"], f"{where}: as_of")
    if data.get("delivered_on") is not None:
        kw["delivered_on"] = _parse_date(data["delivered_on"], f"{where}: delivered_on")
    if data.get("history_complete_from") is not None:
        kw["history_complete_from"] = _parse_date(data["history_complete_from"], f"{where}: history_complete_from")
    if data.get("network_start") is not None:
        kw["network_start"] = _network_start(data["network_start"], f"{where}: network_start")
    if data.get("timezone") is not None:
        kw["timezone"] = time_zone(data["timezone"], f"{where}: timezone")
    for key in ("min_group_size", "inactive_days"):
        if key in data:
            kw[key] = _typed(data[key], int, f"{where}: {key}")
            if kw[key] < 1:
                raise ConfigError(f"{where}: {key} must be at least 1")
    for key in ("show_names", "keep_text", "allow_small_groups"):
        if key in data:
            kw[key] = _typed(data[key], bool, f"{where}: {key}")
    if data.get("branding") is not None:
        branding = _mapping(data["branding"], f"{where}: branding")
        _check_keys(Branding, branding, f"{where}: branding")
        for key in ("primary_color", "accent_color"):
            if key in branding and not re.fullmatch(r"#[0-9A-Fa-f]{6}", str(branding[key])):
                raise ConfigError(f"{where}: branding.{key} must be a colour like #1f3a5f")
        kw["branding"] = Branding(**{k: (None if v is None else str(v)) for k, v in branding.items()})
    for key in ("objectives", "campaigns"):
        items = data.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ConfigError(f"{where}: `{key}` must be a list of mappings")
        kw[key] = tuple(items)
    if kw.get("min_group_size", 5) < SMALLEST_SAFE_GROUP and not kw.get("allow_small_groups"):
        raise ConfigError(
            f"{where}: min_group_size {kw['min_group_size']} would show groups of fewer than {SMALLEST_SAFE_GROUP} people, "
            "who can be recognised; use 3 or more, or set allow_small_groups: true if the client has agreed in writing"
        )
    opt_outs = data.get("opt_outs") or []
    if not isinstance(opt_outs, list):
        raise ConfigError(f"{where}: `opt_outs` must be a list of e-mail addresses")
    kw["opt_outs"] = tuple(email_address(o, f"{where}: opt_outs[{i}]") for i, o in enumerate(opt_outs))
    if data.get("prepared_by") is not None:
        kw["prepared_by"] = _typed(data["prepared_by"], str, f"{where}: prepared_by").strip() or None
    if data.get("leaders") is not None:
        leaders = _mapping(data["leaders"], f"{where}: leaders")
        _check_keys(Leaders, leaders, f"{where}: leaders")
        values, emails = leaders.get("values") or [], leaders.get("emails") or []
        if not isinstance(values, list) or not isinstance(emails, list):
            raise ConfigError(f"{where}: leaders.values and leaders.emails must be lists, e.g. values: [G5, G6]")
        if bool(leaders.get("attribute")) != bool(values):
            raise ConfigError(f"{where}: leaders needs both attribute and values (e.g. attribute: grade, values: [G5]), or emails")
        if not values and not emails:
            raise ConfigError(f"{where}: leaders names no one; give attribute and values, or emails")
        kw["leaders"] = Leaders(
            attribute=str(leaders["attribute"]) if leaders.get("attribute") else None,
            values=tuple(str(v) for v in values),
            emails=tuple(email_address(e, f"{where}: leaders.emails[{i}]") for i, e in enumerate(emails)),
        )
    if data.get("engine") is not None:
        kw["engine"] = _engine(data["engine"], f"{where}: engine")
    if data.get("owners") is not None:
        owners = _mapping(data["owners"], f"{where}: owners")
        unknown = sorted(str(k) for k in owners if k not in OWNER_THEMES)
        if unknown:
            raise ConfigError(f"{where}: owners: unknown theme(s) {', '.join(map(_short, unknown))}; use {', '.join(OWNER_THEMES)}")
        kw["owners"] = tuple((str(k), _typed(v, str, f"{where}: owners.{k}").strip()) for k, v in owners.items() if v is not None)
    return ClientConfig(**kw)


MAX_CONFIG_BYTES = 1_000_000  # a client.yml is a page of settings; anything larger is not one


def _engine(value: Any, where: str) -> EngineConfig:
    engine = {"name": value} if isinstance(value, str) else _mapping(value, where)
    _check_keys(EngineConfig, engine, where)
    name = str(engine.get("name") or "duckdb")
    if name not in ENGINES:
        raise ConfigError(f"{where}: name {_short(name)!r} is not an engine; use duckdb (the default) or spark")
    only = {"master": "spark", "config": "spark", "memory_limit": "duckdb", "threads": "duckdb"}
    wrong = sorted(k for k, engine_name in only.items() if engine.get(k) is not None and engine_name != name)
    if wrong:
        raise ConfigError(f"{where}: {', '.join(wrong)} do(es) not apply to {name}")
    threads = engine.get("threads")
    if threads is not None and (_typed(threads, int, f"{where}.threads") < 1):
        raise ConfigError(f"{where}.threads must be at least 1")
    memory = engine.get("memory_limit")
    if memory is not None and not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", str(memory)):
        raise ConfigError(f"{where}.memory_limit must be a size like 8GB, not {_short(memory)!r}")
    settings = engine.get("config") or {}
    settings = _mapping(settings, f"{where}.config")
    for key in settings:
        if not str(key).startswith("spark."):
            raise ConfigError(f"{where}.config: {_short(key)!r} is not a Spark setting (they start with spark.)")
    return EngineConfig(
        name=name,
        master=_typed(engine["master"], str, f"{where}.master") if engine.get("master") is not None else None,
        memory_limit=str(memory) if memory is not None else None,
        threads=threads,
        source=_typed(engine["source"], str, f"{where}.source") if engine.get("source") is not None else None,
        config=tuple((str(k), str(v)) for k, v in settings.items()),
    )


def _short(value: Any, limit: int = 60) -> str:
    """A value as an error message may quote it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _StrictLoader(yaml.SafeLoader):
    """YAML without anchors, aliases or duplicate keys.

    Aliases let a few hundred bytes expand to gigabytes ("billion laughs"), and a repeated key
    silently overrides the first (a second ``show_names: true``); a client.yml needs neither.
    """

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise ConfigError(f"line {mark.line + 1}: anchors and aliases (&name, *name) are not allowed in client.yml; write the value out")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)):
                continue  # an unhashable key fails in the base class with its own message
            if key in seen:
                raise ConfigError(f"line {key_node.start_mark.line + 1}: the key {_short(key)} appears twice; keep one")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | os.PathLike[str]) -> ClientConfig:
    """Read and check ``client.yml`` (strict YAML: no aliases, no duplicate keys), branding assets included."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no client.yml; create the client with `esnkit init CLIENT`")
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: {path.stat().st_size:,} bytes is far too large for a client.yml; is this the right file?")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader) or {}
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; save it as UTF-8") from None
    except ValueError as exc:  # YAML reads 2026-02-30 as a date and fails to build it
        raise ConfigError(f"{path}: {str(exc)[:80]} (an impossible date?); write dates as real days, e.g. 2026-02-28") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{line} is not valid YAML ({str(getattr(exc, 'problem', exc))[:80]})") from None
    config = config_from_dict(data, where=str(path))
    if config.branding.logo:
        check_logo(path.parent, config.branding.logo, where=f"{path}: branding.logo")
    return config


MAX_LOGO_BYTES = 2_000_000
_NEVER_ASSETS = (".esnkit-key", ".esnkit-forgotten", ".esnkit.lock", "processed", "restricted", "plans", "reports")


def check_logo(client_root: Path, logo: str, *, where: str = "branding.logo") -> tuple[Path, str]:
    """The logo's path and MIME type, after checking it is an image inside the client folder.

    It must be a PNG, JPEG or script-free SVG (judged by its bytes, not its name), at most 2 MB,
    inside the client folder and outside the key file and the folders esnkit writes, since the
    logo is embedded into every deliverable the client receives.
    """
    try:
        return _check_logo(client_root, logo, where)
    except OSError as exc:  # a name too long, a folder that cannot be read...
        raise ConfigError(f"{where}: {_short(logo)} cannot be read ({exc.strerror or exc}); name an image file in raw/") from None


def _check_logo(client_root: Path, logo: str, where: str) -> tuple[Path, str]:
    root = client_root.resolve()
    target = (root / logo).resolve() if not Path(logo).is_absolute() else Path(logo).resolve()
    if not target.is_relative_to(root):
        raise ConfigError(f"{where}: {_short(logo)} is outside the client folder; copy the logo into raw/ and name it there")
    if target.relative_to(root).parts[:1] and target.relative_to(root).parts[0] in _NEVER_ASSETS:
        raise ConfigError(f"{where}: {_short(logo)} is not a logo (it is esnkit's own data); copy the logo into raw/ and name it there")
    if not target.is_file():
        raise ConfigError(f"{where}: {_short(logo)} does not exist in the client folder")
    size = target.stat().st_size
    if size > MAX_LOGO_BYTES:
        raise ConfigError(f"{where}: {_short(logo)} is {size:,} bytes; use an image under 2 MB")
    head = target.read_bytes()[:4096] if size else b""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return target, "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return target, "image/jpeg"
    text = target.read_bytes().decode("utf-8", errors="replace").lower()
    if "<svg" in text[:4096] and text.lstrip().startswith(("<svg", "<?xml")):
        # scripts, event handlers, embedded HTML, and links to anything but the SVG's own parts
        if re.search(r"<script|\bon[a-z]+\s*=|javascript:|<foreignobject|href\s*=\s*[\"'](?!#)", text):
            raise ConfigError(f"{where}: {_short(logo)} is an SVG with scripts or links; export a plain SVG or a PNG")
        return target, "image/svg+xml"
    raise ConfigError(f"{where}: {_short(logo)} is not a PNG, JPEG or SVG image")


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The workspace root: ``explicit``, else ``$ESNKIT_DATA_DIR``, else ``./data``."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return (Path.cwd() / "data").resolve()


@dataclasses.dataclass(frozen=True)
class ClientPaths:
    """Every path of one client's workspace."""

    root: Path

    @classmethod
    def for_client(cls, client: str, data_root: str | os.PathLike[str] | None = None) -> ClientPaths:
        if not CLIENT_NAME.match(client):
            raise ConfigError(f"client name {client!r}: use letters, digits, '-', '_' or '.' (no spaces or slashes)")
        return cls(data_dir(data_root) / client)

    @property
    def client(self) -> str:
        return self.root.name

    @property
    def config_file(self) -> Path:
        return self.root / "client.yml"

    @property
    def key_file(self) -> Path:
        return self.root / ".esnkit-key"

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def processed(self) -> Path:
        return self.root / "processed"

    @property
    def restricted(self) -> Path:
        return self.root / "restricted"

    @property
    def plans(self) -> Path:
        return self.root / "plans"

    def reports(self, as_of: dt.date | str) -> Path:
        return self.root / "reports" / str(as_of)

    @property
    def reports_root(self) -> Path:
        return self.root / "reports"

    def resolve(self, relative: str) -> Path:
        """A path from client.yml, relative to the client folder (absolute paths are kept)."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.root / path

    def require(self) -> ClientPaths:
        if not self.config_file.is_file():
            raise ConfigError(f"no client at {self.root} (no client.yml); create it with `esnkit init {self.client}`")
        return self

    def load_config(self) -> ClientConfig:
        return load_config(self.require().config_file)


def client_template(name: str) -> str:
    """The commented ``client.yml`` that ``esnkit init`` writes."""
    return f"""\
# esnkit client configuration. Paths are relative to this folder.
# Everything under data/ stays out of git: this file, the raw exports and every output.

name: {json.dumps(str(name), ensure_ascii=False)}  # the client's display name, shown on every deliverable

sources:                        # platform exports, as received, under raw/
  # - path: raw/yammer-export.zip
  #   format: viva-engage       # or auto, slack, teams, m365-usage, canonical

# roster:                       # HR roster (CSV or XLSX), joined by e-mail before pseudonymising
#   path: raw/roster.csv
#   join_on: email              # or source_user_id
#   columns: {{email: email, department: department, location: location}}

# survey:                       # survey responses (CSV), one row per respondent
#   path: raw/survey.csv
#   email_column: email         # blank = anonymous
#   attributes: [department, tenure]

# interviews: raw/interviews.csv  # coded notes: user_type, theme, sentiment, quote

# as_of: 2026-06-30             # last day analysed (default: the last day of the last complete month in the data)
# delivered_on: 2026-07-15      # the day the deliverables go to the client: due dates count from it (default: the day of the run)
# timezone: Europe/Berlin       # the client's IANA time zone (default UTC): the busiest-hours heatmap is in it
# network_start: 2019-03-01     # the day the network launched (default: its first community, else its first message);
                                # messages dated before it are reported as a data-quality warning
min_group_size: 5               # breakdowns by HR attributes hide smaller cells
# allow_small_groups: true      # needed for a min_group_size under 3: only with the client's written agreement
show_names: false               # true only with the client's written consent
keep_text: false                # keep message bodies (needed for nothing by default)
inactive_days: 90               # no activity for this long = lapsed
# history_complete_from: 2025-02-01  # the export starts part-way (a free-plan window): growth and newcomers from here

branding:
  primary_color: "#1f3a5f"
  accent_color: "#e0822c"
  # logo: raw/logo.png

# prepared_by: "Jane Smith, Example Consulting"   # shown on the cover of every deliverable
# leaders: {{attribute: grade, values: [G5, G6]}}   # or emails: [ceo@example.com]: step 1's leader analytics
# owners:                       # who owns each kind of action (blank: agreed at the workshop)
#   adoption: Head of Internal Comms
#   conversation: Community managers
#   communities: Community managers
#   people: Network champions lead
#   network: HR business partners

# engine: duckdb                # what reduces the events: duckdb (embedded, the default), or past one machine
#   {{name: spark, master: "spark://host:7077", source: "s3a://lake/esn/", config: {{spark.executor.memory: 8g}}}}

objectives: []                  # step 2 proposes a set when empty
campaigns: []                   # step 3 campaign tracking
opt_outs: []                    # e-mails never to appear in contact lists
"""
