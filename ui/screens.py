"""The screens behind the main menu: a key, a title, and the function that runs it with the
terminal (ui/app.TerminalApp)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ui.admin import admin_screen
from ui.customers import customers_screen
from ui.hire import hire_screen
from ui.reports import reports_screen
from ui.returns import return_screen
from ui.videos import videos_screen


@dataclass(frozen=True)
class Screen:
    key: str
    title: str
    run: Callable[[Any], None]

    def show(self, terminal: Any) -> None:
        self.run(terminal)


SCREENS: list[Screen] = [
    Screen("1", "Customers", customers_screen),
    Screen("2", "Videos", videos_screen),
    Screen("3", "Hire out", hire_screen),
    Screen("4", "Return", return_screen),
    Screen("5", "Reports", reports_screen),
    Screen("6", "Admin", admin_screen),
]
