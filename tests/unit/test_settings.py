from pathlib import Path

import pytest

from db.settings import ConfigError, load_settings, save_credentials


def env_with(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment whose user config dir is empty and whose var dir is private."""
    return {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "VIDEOSTORE_PATHS_VAR_DIR": str(tmp_path / "var"), **extra}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_come_from_the_shipped_toml(tmp_path):
    s = load_settings(env=env_with(tmp_path))
    assert (s.server.host, s.server.port) == ("127.0.0.1", 5555)
    assert s.db.name == "videostore" and s.db.app_user == "videostore_app"
    assert s.db.admin_account == "videostore_adm"


def test_flags_beat_environment_which_beats_files(tmp_path):
    cfg = write(tmp_path / "c.toml", '[db]\nname = "from_file"\nport = 3999\nhost = "filehost"\n')
    env = env_with(tmp_path, VIDEOSTORE_DB_NAME="from_env", VIDEOSTORE_DB_PORT="4000")
    s = load_settings({"db.name": "from_flag", "db.port": None}, env=env, config_file=str(cfg))
    assert s.db.name == "from_flag"      # flag over env
    assert s.db.port == 4000             # env over file (flag not given)
    assert s.db.host == "filehost"       # file over default


def test_the_user_config_file_is_read_from_xdg_config_home(tmp_path):
    write(tmp_path / "config" / "videostore" / "config.toml", "[server]\nport = 6000\n")
    assert load_settings(env=env_with(tmp_path)).server.port == 6000


def test_a_broken_user_file_gives_a_warning_and_the_defaults(tmp_path):
    write(tmp_path / "config" / "videostore" / "config.toml", "[server\nport = = 1\n")
    s = load_settings(env=env_with(tmp_path))
    assert s.server.port == 5555
    assert len(s.warnings) == 1 and "config.toml ignored" in s.warnings[0]


def test_a_file_with_an_unknown_or_mistyped_setting_is_ignored_whole_with_a_warning(tmp_path):
    write(tmp_path / "config" / "videostore" / "config.toml",
          '[server]\nport = 6001\n[db]\nprot = 1\n')
    s = load_settings(env=env_with(tmp_path))
    assert s.server.port == 5555 and "db.prot" in s.warnings[0]
    write(tmp_path / "config" / "videostore" / "config.toml", '[server]\nport = "many"\n')
    s = load_settings(env=env_with(tmp_path))
    assert s.server.port == 5555 and "server.port" in s.warnings[0]


def test_a_missing_explicit_config_file_is_a_warning(tmp_path):
    s = load_settings(env=env_with(tmp_path), config_file=str(tmp_path / "nope.toml"))
    assert "not found" in s.warnings[0]


def test_a_bad_environment_value_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="VIDEOSTORE_DB_PORT"):
        load_settings(env=env_with(tmp_path, VIDEOSTORE_DB_PORT="abc"))
    with pytest.raises(ConfigError, match="host:port"):
        load_settings(env=env_with(tmp_path, VIDEOSTORE_SERVER="nohostport"))


def test_videostore_server_sets_host_and_port(tmp_path):
    s = load_settings(env=env_with(tmp_path, VIDEOSTORE_SERVER="10.0.0.5:6100"))
    assert (s.server.host, s.server.port) == ("10.0.0.5", 6100)


def test_saved_credentials_fill_only_what_nothing_else_set(tmp_path):
    env = env_with(tmp_path, VIDEOSTORE_DB_NAME="shop2")
    base = load_settings(env=env)
    path = save_credentials(base, "shop2", {"user": "shop2_app", "password": "saved-pw",
                                            "admin_password": "saved-admin"})
    assert path.stat().st_mode & 0o777 == 0o600
    s = load_settings(env=env)
    assert (s.db.password, s.db.admin_password) == ("saved-pw", "saved-admin")
    s = load_settings(env={**env, "VIDEOSTORE_DB_PASSWORD": "from-env"})
    assert s.db.password == "from-env"
    other = load_settings(env=env_with(tmp_path, VIDEOSTORE_DB_NAME="shop3"))
    assert other.db.password == ""  # another database's passwords are not borrowed


def test_logs_go_under_the_var_dir_unless_log_dir_says_elsewhere(tmp_path):
    assert load_settings(env=env_with(tmp_path)).log_dir == tmp_path / "var" / "log"
    env = env_with(tmp_path, VIDEOSTORE_PATHS_LOG_DIR=str(tmp_path / "logs"))
    assert load_settings(env=env).log_dir == tmp_path / "logs"
