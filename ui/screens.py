"""The screens behind the main menu. Each is shown with the terminal (ui/app.TerminalApp);
one not built yet says plainly what it will hold until its work lands."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

from ui.admin import admin_screen
from ui.videos import videos_screen


class Terminal(Protocol):
    def say(self, text: str) -> None: ...


@dataclass(frozen=True)
class Screen:
    key: str
    title: str
    coming: str = ""  # what the screen will do, told to the clerk until it does
    run: Callable[[Any], None] | None = None  # the screen itself, once built

    def show(self, terminal: Terminal) -> None:
        if self.run is not None:
            self.run(terminal)
            return
        terminal.say(f"── {self.title} ──\n{self.title} is not built yet. It will let you "
                     f"{self.coming}.\n")


SCREENS: list[Screen] = [
    Screen("1", "Customers", "find a customer by name, phone or card, register, edit and "
           "deactivate customers, and see their hires and balance"),
    Screen("2", "Videos", run=videos_screen),
    Screen("3", "Hire out", "hire one or more copies to a customer, with the due date and "
           "charges shown before it is saved"),
    Screen("4", "Return", "take copies back, with any late fee, and fill waiting holds"),
    Screen("5", "Reports", "see overdue hires, takings, stock and balances"),
    Screen("6", "Admin", run=admin_screen),
]
