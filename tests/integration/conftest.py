"""Fixtures of the circulation tests: a fresh two-store shop and its store server."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.circulation import Shop, build_shop
from tests.helpers import start_server


@pytest.fixture
def shop(fresh_db, tmp_path) -> Iterator[Shop]:
    srv = start_server(tmp_path, fresh_db.db.name, "--test-clock")
    try:
        yield build_shop(fresh_db, srv)
    finally:
        srv.stop()
