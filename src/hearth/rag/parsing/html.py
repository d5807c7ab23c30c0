from __future__ import annotations

from bs4 import BeautifulSoup

from hearth.rag.parsing.base import Block, HeadingTracker
from hearth.rag.parsing.text import decode_text

_DROP = ["script", "style", "nav", "header", "footer", "aside", "noscript", "form", "svg", "iframe", "template"]
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCKS = {"p", "li", "pre", "blockquote", "td", "th", "dd", "dt", "figcaption", "caption"}


def parse_html(data: bytes) -> list[Block]:
    soup = BeautifulSoup(decode_text(data), "html.parser")
    for tag in soup(_DROP):
        tag.decompose()
    root = soup.body or soup
    headings = HeadingTracker()
    blocks: list[Block] = []
    for element in root.find_all([*_HEADINGS, *_BLOCKS]):
        if element.find_parent(list(_BLOCKS)) is not None and element.name not in _HEADINGS:
            continue  # nested block: its text is already inside the outer one
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        if element.name in _HEADINGS:
            headings.enter(_HEADINGS[element.name], text)
            blocks.append(Block(text, headings.path, heading=True))
        else:
            blocks.append(Block(text, headings.path))
    if not blocks:  # no block markup at all: keep the visible text
        text = " ".join(root.get_text(" ", strip=True).split())
        blocks = [Block(text)] if text else []
    return blocks
