"""Write the JSON twin of the TOML data files every run loads (see novadoclint.data).

Usage: python tools/data_twins.py

Run after editing a file in rules/: data.load reads a twin only while it was made
from the TOML as it is, so a stale one costs ~7 ms a run, never a wrong table
(tests/test_data_twins.py fails until this is run).
"""

from __future__ import annotations

from novadoclint import data


def main() -> None:
    """(Re)write rules/<name>.json for each of data.TWINNED whose twin differs."""
    for name in data.TWINNED:
        toml, twin = data.rules_dir() / f"{name}.toml", data.rules_dir() / f"{name}.json"
        text = data.twin_text(toml.read_bytes())
        if not twin.is_file() or twin.read_text(encoding="utf-8") != text:
            twin.write_text(text, encoding="utf-8")
            print(f"wrote {twin}")


if __name__ == "__main__":
    main()
