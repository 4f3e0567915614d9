"""The household page shows each private class under the three exposure views."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import quote

from web_helpers import EXAMPLES, csrf

EXAMPLE = EXAMPLES / "private_funds.yaml"
NAME = "Private funds beside a liquid portfolio (married)"


def test_household_page_has_the_private_table(client) -> None:
    with EXAMPLE.open("rb") as f:
        r = client.post("/households", data={"csrf_token": csrf(client)},
                        files={"file": (EXAMPLE.name, f, "application/yaml")},
                        follow_redirects=False)
    assert r.status_code in (200, 303), r.text
    page = client.get("/households/" + quote(NAME, safe="")).text
    m = re.search(r'id="private"[^>]*>(.*?)</table>', page, re.S)
    assert m
    text = html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(1))))
    # hand-worked in tests/household/test_private_funds.py: 118,000 / 1,014,500 = 11.63 %
    assert "private_equity" in text and "11.63%*" in text and "16.07%" in text
