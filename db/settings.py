"""Configuration: command-line flags > environment > TOML files > defaults.

db/defaults.toml is the one list of settings and their defaults; every other layer may only
set keys it names. A broken or unreadable user file gives a warning and is skipped, never a
crash: `Settings.warnings` carries the message for the entry point to show.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
ENV_PREFIX = "VIDEOSTORE_"


class ConfigError(ValueError):
    """A setting has a value of the wrong kind; the message names the setting and its source."""


@dataclass(frozen=True)
class DbSettings:
    host: str
    port: int
    name: str
    user: str
    password: str
    admin_user: str
    admin_password: str
    root_user: str
    root_password: str
    account_host: str
    pool_size: int
    pool_timeout_s: float
    connect_timeout_s: float
    ssl_ca: str

    @property
    def app_user(self) -> str:
        return self.user or f"{self.name}_app"

    @property
    def admin_account(self) -> str:
        return self.admin_user or f"{self.name}_adm"


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    store_id: int
    max_line_bytes: int
    max_connections: int
    max_per_address: int
    unauth_idle_s: float
    requests_per_s: float
    request_burst: float
    shutdown_grace_s: float
    session_idle_s: int
    tls_cert: str
    tls_key: str
    tls_ca: str


@dataclass(frozen=True)
class TerminalSettings:
    store_id: int
    name: str


@dataclass(frozen=True)
class Settings:
    db: DbSettings
    server: ServerSettings
    terminal: TerminalSettings
    var_dir: Path
    log_dir: Path
    warnings: tuple[str, ...] = field(default=())

    @property
    def secrets_dir(self) -> Path:
        return self.var_dir / "secrets"

    def credentials_file(self, db_name: str | None = None) -> Path:
        """Where create-db saves the generated passwords of one database's accounts."""
        return self.secrets_dir / f"{db_name or self.db.name}.toml"


_SECTIONS = {"db": DbSettings, "server": ServerSettings, "terminal": TerminalSettings}


def config_files(env: Mapping[str, str]) -> list[Path]:
    """The TOML files read over the defaults when present, lowest precedence first."""
    xdg = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return [Path("/etc/videostore/config.toml"),
            Path(xdg) / "videostore" / "config.toml",
            PROJECT_ROOT / "var" / "videostore.toml"]


def load_settings(flags: Mapping[str, Any] | None = None,
                  env: Mapping[str, str] | None = None,
                  config_file: str | None = None) -> Settings:
    """Build the settings. `flags` maps "section.key" to a value given on the command line
    (None means not given)."""
    env = os.environ if env is None else env
    with DEFAULTS_FILE.open("rb") as f:
        values: dict[str, dict[str, Any]] = tomllib.load(f)
    warnings: list[str] = []
    for path in config_files(env):
        _merge_file(values, path, warnings)
    explicit = config_file or env.get(ENV_PREFIX + "CONFIG")
    if explicit:
        _merge_file(values, Path(explicit), warnings, required=True)
    _merge_env(values, env)
    for dotted, value in (flags or {}).items():
        if value is not None:
            section, key = dotted.split(".", 1)
            _set(values, section, key, value, "command line")
    _fill_saved_credentials(values)
    return _build(values, tuple(warnings))


def _merge_file(values: dict, path: Path, warnings: list[str], required: bool = False) -> None:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        if required:
            warnings.append(f"config file {path} not found; using the other settings")
        return
    except (OSError, tomllib.TOMLDecodeError) as e:
        warnings.append(f"config file {path} ignored: {e}")
        return
    layer: dict[str, dict[str, Any]] = {}
    try:
        for section, table in data.items():
            if not isinstance(table, dict):
                raise ConfigError(f"[{section}] must be a table")
            for key, value in table.items():
                _set(layer, section, key, value, str(path), template=values)
    except ConfigError as e:
        warnings.append(f"config file {path} ignored: {e}")
        return
    for section, table in layer.items():
        values[section].update(table)


def _merge_env(values: dict, env: Mapping[str, str]) -> None:
    server = env.get(ENV_PREFIX + "SERVER")
    if server:
        host, _, port = server.rpartition(":")
        if not host or not port:
            raise ConfigError(f"{ENV_PREFIX}SERVER must be host:port, not {server!r}")
        _set(values, "server", "host", host, ENV_PREFIX + "SERVER")
        _set(values, "server", "port", port, ENV_PREFIX + "SERVER")
    for section, table in values.items():
        for key in table:
            name = f"{ENV_PREFIX}{section}_{key}".upper()
            if name in env:
                _set(values, section, key, env[name], name)


def _set(target: dict, section: str, key: str, value: Any, source: str,
         template: dict | None = None) -> None:
    """Set one value, converted to the type of its default; unknown keys are an error."""
    template = template if template is not None else target
    if section not in template or key not in template[section]:
        raise ConfigError(f"unknown setting {section}.{key} (from {source})")
    default = template[section][key]
    try:
        if isinstance(default, bool):
            converted: Any = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int):
            converted = int(value)
        elif isinstance(default, float):
            converted = float(value)
        else:
            if not isinstance(value, (str, int, float)):
                raise TypeError
            converted = str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{section}.{key} from {source} must be a "
                          f"{type(default).__name__}, not {value!r}") from None
    target.setdefault(section, {})[key] = converted


def _var_dir(values: dict) -> Path:
    return Path(values["paths"]["var_dir"] or PROJECT_ROOT / "var")


def _fill_saved_credentials(values: dict) -> None:
    """Passwords not set anywhere come from the file create-db saved for this database."""
    db = values["db"]
    path = _var_dir(values) / "secrets" / f"{db['name']}.toml"
    try:
        with path.open("rb") as f:
            saved = tomllib.load(f).get("db", {})
    except (OSError, tomllib.TOMLDecodeError):
        return
    for key in ("user", "password", "admin_user", "admin_password"):
        if not db[key] and isinstance(saved.get(key), str):
            db[key] = saved[key]


def _build(values: dict, warnings: tuple[str, ...]) -> Settings:
    sections = {name: cls(**values[name]) for name, cls in _SECTIONS.items()}
    var_dir = _var_dir(values)
    log_dir = Path(values["paths"]["log_dir"]) if values["paths"]["log_dir"] else var_dir / "log"
    return Settings(var_dir=var_dir, log_dir=log_dir, warnings=warnings, **sections)


def save_credentials(settings: Settings, db_name: str, accounts: Mapping[str, str]) -> Path:
    """Write one database's generated account passwords where `load_settings` finds them.

    The file is created with mode 0600 before anything is written to it."""
    path = settings.credentials_file(db_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"# Accounts of database {db_name}, written by create-db. Keep it secret.\n[db]\n")
        for key, value in accounts.items():
            f.write(f'{key} = "{value}"\n')
    return path
