"""ui/history.py: a file per screen under the user's data directory; one that cannot be
kept is one warning, then a history in memory — never a crash."""
import stat
from pathlib import Path

from prompt_toolkit.history import InMemoryHistory

from ui.history import Histories, history_dir


def test_the_histories_live_under_xdg_data_home_or_else_local_share():
    assert history_dir({"XDG_DATA_HOME": "/x/data", "HOME": "/h"}) == \
        Path("/x/data/videostore/history")
    assert history_dir({"HOME": "/h"}) == Path("/h/.local/share/videostore/history")
    # Empty or relative: ignored, as the XDG base directory spec says.
    assert history_dir({"XDG_DATA_HOME": "", "HOME": "/h"}) == \
        Path("/h/.local/share/videostore/history")
    assert history_dir({"XDG_DATA_HOME": "rel/dir", "HOME": "/h"}) == \
        Path("/h/.local/share/videostore/history")


def test_entries_are_kept_in_a_private_file_and_read_back_newest_first(tmp_path):
    warnings = []
    directory = tmp_path / "videostore" / "history"
    menu = Histories(warnings.append, directory).get("menu")
    menu.append_string("/return 4411")
    menu.append_string("/find cust smith")
    path = directory / "menu"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    again = Histories(warnings.append, directory).get("menu")
    assert list(again.load_history_strings()) == ["/find cust smith", "/return 4411"]
    assert Histories(warnings.append, directory).get("titles").load_history_strings() == []
    assert warnings == []


def test_a_history_that_cannot_be_opened_is_one_warning_then_kept_in_memory(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the directory should be")
    warnings = []
    histories = Histories(warnings.append, blocker / "videostore" / "history")
    menu, titles = histories.get("menu"), histories.get("titles")
    assert isinstance(menu, InMemoryHistory) and isinstance(titles, InMemoryHistory)
    menu.append_string("/return 4411")
    assert menu.get_strings() == ["/return 4411"]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert warnings[0].startswith("Warning: the history in ") and "cannot be kept" in warnings[0]


def test_a_history_that_cannot_be_written_any_more_warns_once_and_carries_on(tmp_path):
    warnings = []
    histories = Histories(warnings.append, tmp_path)
    copies = histories.get("copies")
    (tmp_path / "copies").unlink()
    (tmp_path / "copies").mkdir()          # now neither readable nor writable as a file
    copies.append_string("4411")
    copies.append_string("4412")
    assert copies.get_strings() == ["4411", "4412"]
    assert list(copies.load_history_strings()) == []
    assert len(warnings) == 1 and "cannot be kept" in warnings[0]
