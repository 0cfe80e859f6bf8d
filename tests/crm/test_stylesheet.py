"""The stylesheet is appended to by every feature; a lost brace silently unstyles everything
after it (it happened once in a merge), so check the braces balance and never go negative."""

from pathlib import Path

import crm


def test_app_css_braces_balance():
    css = (Path(crm.__file__).parent / "static" / "crm" / "app.css").read_text()
    depth = 0
    for number, line in enumerate(css.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"app.css line {number} closes a block that was never opened"
        if line.startswith("/* ") and not line.startswith("/* ."):
            # Section comments sit at the top level; one inside a block means a missing "}".
            assert depth == 0, f"app.css line {number}: a section starts inside an open block"
    assert depth == 0
