"""The shipped deploy/ files: the systemd unit passes `systemd-analyze verify` and its
hardening keeps `systemd-analyze security` at OK, and the sample production config is one
the settings read whole, naming the same directories as the unit."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from db.settings import load_settings
from tests.helpers import ROOT

UNIT = ROOT / "deploy" / "videostore-server.service"
CONFIG = ROOT / "deploy" / "config.toml"
INSTALLED_AT = "/opt/videostore"   # where the unit expects the checkout
# `systemd-analyze security` scores exposure 0 (locked down) to 10 (UNSAFE) and compares
# ten times that with --threshold: 20 is an exposure of 2.0, systemd's "OK" at most.
MAX_EXPOSURE = 20


def systemd_analyze(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze is missing: dev/system-packages.sh installs it (systemd)"
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)


def installed_unit(tmp_path: Path, text: str | None = None) -> Path:
    """The unit as a shop installs it, but with the checkout at a directory of the test's
    (verify checks that ExecStart's program exists): its .venv's python is this one."""
    checkout = tmp_path / "opt-videostore"
    (checkout / ".venv" / "bin").mkdir(parents=True)
    (checkout / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (checkout / "server.py").symlink_to(ROOT / "server.py")
    unit = tmp_path / UNIT.name
    unit.write_text((text or UNIT.read_text()).replace(INSTALLED_AT, str(checkout)))
    return unit


def unit_settings() -> dict[str, list[str]]:
    """The unit's Key=value lines (a key may be given more than once)."""
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if match := re.match(r"^([A-Za-z]+)=(.*)$", line):
            found.setdefault(match[1], []).append(match[2])
    return found


def test_the_unit_file_passes_systemd_analyze_verify(tmp_path):
    done = systemd_analyze("verify", str(installed_unit(tmp_path)))
    assert done.returncode == 0, done.stderr
    # Warnings (an unknown key, a bad value) leave the exit code 0: none may name the unit.
    assert UNIT.name not in done.stderr, done.stderr


def test_verify_does_catch_a_unit_whose_program_is_missing(tmp_path):
    broken = UNIT.read_text().replace(".venv/bin/python", ".venv/bin/no-such-python")
    done = systemd_analyze("verify", str(installed_unit(tmp_path, broken)))
    assert done.returncode != 0 and "no-such-python" in done.stderr


def test_the_units_hardening_keeps_its_exposure_ok(tmp_path):
    done = systemd_analyze("security", "--offline=true", f"--threshold={MAX_EXPOSURE}",
                           str(installed_unit(tmp_path)))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    bare = "\n".join(line for line in UNIT.read_text().splitlines()
                     if not re.match(r"(Protect|Private|Restrict|SystemCall|NoNew|Capab)", line))
    done = systemd_analyze("security", "--offline=true", f"--threshold={MAX_EXPOSURE}",
                           str(installed_unit(tmp_path / "bare", bare)))
    assert done.returncode != 0  # the same check fails a unit without the hardening


def test_the_unit_runs_the_server_as_its_own_user_restarting_on_failure():
    unit = unit_settings()
    assert unit["User"] == ["videostore"] and unit["NoNewPrivileges"] == ["yes"]
    assert unit["ProtectSystem"] == ["strict"] and unit["PrivateTmp"] == ["yes"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["ExecStart"] == [f"{INSTALLED_AT}/.venv/bin/python {INSTALLED_AT}/server.py"]


def test_the_sample_config_is_read_whole_and_matches_the_unit(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    settings = load_settings(env=env, config_file=str(CONFIG))
    assert settings.warnings == ()          # every key known, every value of its kind
    assert settings.server.store_id > 0     # a shop's server serves its shop
    assert settings.server.tls_cert and settings.server.tls_key and settings.db.ssl_ca
    unit = unit_settings()
    # The directories systemd makes for the service are the ones the config names.
    assert settings.var_dir == Path("/var/lib") / unit["StateDirectory"][0]
    assert settings.log_dir == Path("/var/log") / unit["LogsDirectory"][0]
    # A descriptor per connection, and room for the database pool, logs and listener.
    assert int(unit["LimitNOFILE"][0]) >= settings.server.max_connections + 100
