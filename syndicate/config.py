"""Build settings: the config file (``syndicate.toml`` or ``[tool.syndicate]``) and the command line, which wins."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import field, fields
from pathlib import Path
from typing import Any, Literal

from . import __version__
from .errors import ConfigError, SyndicateError
from .exporters import ExportOptions
from .model import FrozenValue, value_class

__all__ = ["BuildSettings", "read_config", "ALL_FORMATS", "CONFIG_NAMES", "STATE_DIR"]

ALL_FORMATS: tuple[str, ...] = ("rss", "atom", "jsonfeed", "newsml", "ninjs", "epub", "edition")
CONFIG_NAMES = ("syndicate.toml", "pyproject.toml")
STATE_DIR = ".syndicate"  # the state folder's name, beside the config file or in the current folder


@value_class
class BuildSettings(FrozenValue):
    """Everything a build needs to know, from the config file and the command line (which wins); compared,
    hashed and shown as a generated frozen dataclass would be (:class:`~syndicate.model.FrozenValue`)."""

    input_dir: Path = Path("input")
    output_dir: Path = Path("output")
    formats: tuple[str, ...] = ALL_FORMATS
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    wait: float = 0.0
    quiet: bool = False
    offline: bool = False
    allow_local_hosts: bool = False  # fetch photos from this machine (a photo server on the same host)
    state_dir: Path = Path(STATE_DIR)  # lock, manifest and caches: everything the build keeps but does not publish
    id_prefix: str | None = None  # the id authority (a tag: or urn: URI); default: derived from base_url
    edition_limit: int | None = None  # most stories in the edition (default: the feeds' limit)
    scheduler: str | None = None  # a Dask scheduler (tcp://HOST:8786) to run the stories on, instead of local workers
    verify: bool = False  # check every output file, not only the output folders (finds a file damaged in place)
    export: ExportOptions = field(default_factory=ExportOptions)

    def __post_init__(self) -> None:
        unknown = [f for f in self.formats if f not in ALL_FORMATS]
        if unknown:
            raise ConfigError(f"unknown format(s) {', '.join(unknown)} (choose from {', '.join(ALL_FORMATS)})")
        if self.jobs < 1:
            raise ConfigError(f"jobs must be at least 1, not {self.jobs}")
        if self.edition_limit is not None and self.edition_limit < 1:
            raise ConfigError(f"edition_limit must be at least 1, not {self.edition_limit}")
        if self.id_prefix is not None:
            from .readers import is_id_prefix

            if not is_id_prefix(self.id_prefix):
                raise ConfigError(f"id_prefix must be a tag: or urn: URI such as tag:news.example.com,2024:, "
                                  f"not {self.id_prefix!r}")

    @property
    def ids(self) -> str | None:
        """The id prefix stories are read with: ``id_prefix``, else derived from ``base_url``, else None."""
        if self.id_prefix is not None:
            return self.id_prefix
        if self.export.base_url:
            from .readers import id_prefix_for

            return id_prefix_for(self.export.base_url)
        return None

    def state_folder(self) -> Path:
        """This output folder's own state folder inside :attr:`state_dir`: its lock, manifest and image cache
        (one state folder can serve builds of several output folders without mixing them up)."""
        import hashlib  # here, not at the top: parse and convert read the config too, and OpenSSL costs them ms

        real = os.path.realpath(self.output_dir)
        name = "".join(c if c.isalnum() or c in "-_" else "-" for c in os.path.basename(real))[:40] or "output"
        return self.state_dir / f"{name}-{hashlib.sha256(real.encode()).hexdigest()[:10]}"

    @property
    def most_in_edition(self) -> int:
        """How many of the newest stories the edition holds."""
        return self.edition_limit if self.edition_limit is not None else self.export.limit

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """Every key the config file accepts."""
        own = tuple(f.name for f in fields(cls) if f.name != "export")
        return own + ExportOptions.names()

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], where: str = "options") -> BuildSettings:
        """Settings from a flat mapping of config keys; unknown keys and wrong types are a :class:`ConfigError`."""
        unknown = sorted(set(values) - set(cls.keys()))
        if unknown:
            raise ConfigError(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(cls.keys()))})", where)
        own = {k: v for k, v in values.items() if k in {f.name for f in fields(cls)}}
        export = {k: v for k, v in values.items() if k in ExportOptions.names()}
        try:
            for key in ("input_dir", "output_dir", "state_dir"):
                if key in own:
                    own[key] = Path(_typed(own[key], str, key))
            if "formats" in own:
                formats = own["formats"]
                if isinstance(formats, str):
                    formats = [f.strip() for f in formats.split(",") if f.strip()]
                own["formats"] = tuple(_typed(f, str, "formats") for f in _typed(formats, list, "formats"))
            for key, kind in (("jobs", int), ("wait", (int, float)), ("quiet", bool), ("offline", bool),
                              ("allow_local_hosts", bool), ("id_prefix", str), ("edition_limit", int),
                              ("scheduler", str), ("verify", bool)):
                if key in own:
                    own[key] = _typed(own[key], kind, key)
            for name in ExportOptions.names():
                if name in export:
                    expected = int if name in ("limit", "image_max_size") else str
                    export[name] = _typed(export[name], expected, name)
            return cls(**own, export=ExportOptions(**export))
        except SyndicateError as error:
            raise ConfigError(error.message, where) from None

    @classmethod
    def load(
        cls,
        config_file: Path | Literal[False] | None = None,
        *,
        overrides: Mapping[str, Any] | None = None,
        input_dir: Path | None = None,
        output_dir: Path | None = None,
    ) -> BuildSettings:
        """Settings from ``config_file``, overridden by ``overrides`` and the two folders.

        Without ``config_file``: ``syndicate.toml`` (else ``[tool.syndicate]`` of ``pyproject.toml``) in the
        current folder, else in the project folder, the input folder's parent. A cron line that forgot its
        ``cd`` then still builds with the newsroom's settings and state folder, not placeholder ones (which
        would change every story's id). ``config_file=False`` reads no file at all.
        """
        values: dict[str, Any] = {}
        where, found = "options", None
        if config_file is not False:
            values, where, found = _read_config(config_file, project_folder(input_dir))
        if found is not None and "state_dir" in values:
            values["state_dir"] = str(found.parent / _typed(values["state_dir"], str, "state_dir"))
        elif found is not None:
            values["state_dir"] = str(found.parent / STATE_DIR)  # beside the config file, wherever the build runs
        if found is not None and config_file is None and found.parent != Path():
            # the project folder's config, found from elsewhere: its folders mean what they mean from there
            for key in ("input_dir", "output_dir"):
                if key in values:
                    values[key] = str(found.parent / _typed(values[key], str, key))
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        if input_dir is not None:
            values["input_dir"] = str(input_dir)
        if output_dir is not None:
            values["output_dir"] = str(output_dir)
        return cls.from_mapping(values, where)

    def fingerprint(self) -> str:
        """What every output depends on besides the inputs: the tool's version and the export settings."""
        import hashlib  # see state_folder

        export = {n: getattr(self.export, n) for n in ExportOptions.names()}
        key = {"version": __version__, "formats": sorted(self.formats), "offline": self.offline,
               "allow_local_hosts": self.allow_local_hosts, "ids": self.ids, "export": export}
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _typed(value: Any, kind: Any, key: str) -> Any:
    if isinstance(value, bool) and kind in (int, (int, float)):
        raise ConfigError(f"{key} must be a number, not {value!r}")
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{key} must be {names}, not {value!r}")
    return value


def read_config(config_file: Path | None) -> tuple[dict[str, Any], str]:
    """The config values and where they came from; an unreadable or malformed file is a :class:`ConfigError`."""
    values, where, _ = _read_config(config_file)
    return values, where


def project_folder(input_dir: str | os.PathLike[str] | None) -> Path | None:
    """The folder a newsroom's project lives in, judged from its input folder: the input folder's parent
    (``/srv/news`` for ``/srv/news/input``), where its ``syndicate.toml`` is looked for when the current
    folder has none."""
    if input_dir is None:
        return None
    return Path(os.path.abspath(input_dir)).parent


def _read_config(config_file: Path | None, project: Path | None = None) -> tuple[dict[str, Any], str, Path | None]:
    """The config values, where they came from, and the file (None when there is none): ``config_file``, else
    the first config file in the current folder, else in ``project``."""
    if config_file is not None:
        candidates = [config_file]
    else:
        folders = [Path()] + ([project] if project is not None and project != Path.cwd() else [])
        candidates = [folder / name for folder in folders for name in CONFIG_NAMES]
    for path in candidates:
        if config_file is None and not path.is_file():
            continue
        import tomllib  # here, not at the top: a build with no config file never parses TOML

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config: {exc.strerror or exc}", path) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"not valid TOML: {exc}", path) from None
        if path.name == "pyproject.toml" and config_file is None:
            section = data.get("tool", {}).get("syndicate")
            if section is None:
                continue
            return dict(section), f"{path} [tool.syndicate]", path
        if path.name == "pyproject.toml":
            return dict(data.get("tool", {}).get("syndicate", {})), f"{path} [tool.syndicate]", path
        return data, str(path), path
    return {}, "options", None
