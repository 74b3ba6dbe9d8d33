import re
from pathlib import Path

from store import roles

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def test_every_op_has_a_section_with_an_example_request_in_docs_protocol_md():
    text = DOC.read_text()
    sections = dict(re.findall(r"^### `([a-z_.]+)`\n(.*?)(?=^##)", text, re.M | re.S))
    for op in roles.OP_ROLES:
        assert op in sections, f"docs/protocol.md has no section for {op}"
        assert f'"op":"{op}"' in sections[op], f"the {op} section has no example line"
