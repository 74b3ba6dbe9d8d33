"""The screens behind the main menu. Each says plainly what it will hold until its work
lands; each is a function (terminal) -> None."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Terminal(Protocol):
    def say(self, text: str) -> None: ...


@dataclass(frozen=True)
class Screen:
    key: str
    title: str
    coming: str  # what the screen will do, told to the clerk until it does

    def show(self, terminal: Terminal) -> None:
        terminal.say(f"── {self.title} ──\n{self.title} is not built yet. It will let you "
                     f"{self.coming}.\n")


SCREENS: list[Screen] = [
    Screen("1", "Customers", "find a customer by name, phone or card, register, edit and "
           "deactivate customers, and see their hires and balance"),
    Screen("2", "Videos", "find titles, add titles and copies, and see where every copy is"),
    Screen("3", "Hire out", "hire one or more copies to a customer, with the due date and "
           "charges shown before it is saved"),
    Screen("4", "Return", "take copies back, with any late fee, and fill waiting holds"),
    Screen("5", "Reports", "see overdue hires, takings, stock and balances"),
    Screen("6", "Admin", "manage staff accounts, sessions and the shop's settings"),
]
