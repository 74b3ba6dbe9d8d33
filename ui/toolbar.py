"""The bottom toolbar: store, clerk, server clock and the state of the link."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from store.client import LinkState, StoreClient
from ui.tables import format_moment

LINK_STYLE = {LinkState.CONNECTED: "class:toolbar.ok", LinkState.DOWN: "class:toolbar.bad"}
LINK_LABEL = {LinkState.CONNECTING: "connecting", LinkState.AUTHENTICATING: "connecting",
              LinkState.RECONNECTING: "reconnecting", LinkState.DISCONNECTED: "down"}


def format_clock(moment: datetime | None, tz_name: str) -> str:
    if moment is None:
        return "--:--:--"
    return format_moment(moment, tz_name, "%a %d %b %H:%M:%S %Z")


def make_toolbar(client: StoreClient, store_label: Callable[[], str], clerk: Callable[[], str],
                 tz_name: Callable[[], str],
                 new_events: Callable[[], int] = lambda: 0) -> Callable[[], list[tuple[str, str]]]:
    """A toolbar function for PromptSession(bottom_toolbar=...)."""
    def toolbar() -> list[tuple[str, str]]:
        state = client.state
        count = new_events()
        news = [("class:toolbar.warn", f" │ {count} new event{'s' if count != 1 else ''}")] if count else []
        return [
            ("class:toolbar", f" {store_label()} │ {clerk()} │ "),
            ("class:toolbar", f"{format_clock(client.server_now(), tz_name())} │ "),
            ("class:toolbar", "link: "),
            (LINK_STYLE.get(state, "class:toolbar.warn"), LINK_LABEL.get(state, state.value)),
            *news,
            ("class:toolbar", " │ F1 help "),
        ]
    return toolbar
