"""The README is documentation for a reader: short, in lines a screen holds, and every link goes somewhere."""
from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MOST_CHARACTERS = 12_000
LONGEST_PROSE_LINE = 120


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """Lines outside code blocks and tables: what a person reads as sentences."""
    lines, in_code = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and not line.startswith("|"):
            lines.append((number, line))
    return lines


def test_the_readme_is_within_its_limits():
    text = README.read_text()
    assert len(text) <= MOST_CHARACTERS, f"README.md is {len(text)} characters; at most {MOST_CHARACTERS} (move detail to docs/)"
    long = [f"line {n}: {len(line)} characters" for n, line in _prose_lines(text) if len(line) > LONGEST_PROSE_LINE]
    assert not long, f"README.md prose lines over {LONGEST_PROSE_LINE} characters: {long}"


def test_every_relative_link_in_the_docs_resolves():
    broken = []
    for page in [README, *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = target.split("#", 1)[0]
            if not (page.parent / path).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, f"links to nothing: {broken}"
