"""The visible text of an HTML page: what a person sees, and the only text the LLM sees or quotes from.

Removed before anything else happens: comments, ``<script>``, ``<style>``, ``<template>``,
``<noscript>``, ``<head>``, ``<nav>`` menus (visible, but never a statement of fact), form inputs,
and elements hidden inline (``hidden``, ``aria-hidden="true"``, ``display:none``,
``visibility:hidden``, ``opacity:0``, ``font-size:0``, zero size, off-screen positioning, the usual
screen-reader-only and ``hidden`` utility classes). Because the same text is what model quotes are
verified against, an instruction planted in a comment or a hidden element can neither reach the
model nor be quoted back as evidence. Text hidden by an external stylesheet is not detected (no CSS
engine here); see docs/llm.md for why that still cannot be auto-accepted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, Tag

from enrich.extract.markup import HIDING_CLASSES, HIDING_STYLE

_DROPPED_TAGS = (
    "script", "style", "template", "noscript", "head", "iframe", "object", "embed", "svg", "canvas",
    "input", "select", "textarea", "button", "nav",
)  # fmt: skip
_BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "td",
    "th", "ul",
)  # fmt: skip


@dataclass(frozen=True)
class SourcePage:
    """One fetched page as the LLM layer uses it: where it came from, its hash, its visible text.

    ``sha256`` identifies the fetched body (the ``page.sha256`` / ``blob`` key); evidence offsets
    refer to ``text``.
    """

    url: str
    sha256: str
    text: str

    @classmethod
    def from_html(cls, url: str, html: str, *, sha256: str | None = None) -> SourcePage:
        """Build from a fetched HTML body; ``sha256`` defaults to the hash of ``html`` as UTF-8."""
        digest = sha256 or hashlib.sha256(html.encode("utf-8")).hexdigest()
        return cls(url=url, sha256=digest, text=visible_text(html))


@dataclass(frozen=True)
class PageSpan:
    """A stretch of one page's visible text: ``page.text[start:end]`` (a passage, a matched quote)."""

    page: SourcePage
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.page.text[self.start : self.end]


def _is_hidden(element: Tag) -> bool:
    if element.has_attr("hidden"):
        return True
    if str(element.get("aria-hidden", "")).strip().lower() == "true":
        return True
    if HIDING_STYLE.search(str(element.get("style", ""))):
        return True
    classes = element.get_attribute_list("class")
    return any(str(name).lower() in HIDING_CLASSES for name in classes if name)


def visible_text(html: str) -> str:
    """Visible text of ``html``: one line per block element, spaces collapsed, empty lines dropped."""
    soup = BeautifulSoup(html, "lxml")
    for comment in soup.find_all(string=lambda node: isinstance(node, Comment)):
        comment.extract()
    for element in soup.find_all(_DROPPED_TAGS):
        element.decompose()
    for element in soup.find_all(_is_hidden):
        if not element.decomposed:
            element.decompose()
    root = soup.body or soup
    for element in root.find_all(_BLOCK_TAGS):
        element.insert_before("\n")
        element.insert_after("\n")
    text = "".join(str(node) for node in root.find_all(string=True) if not isinstance(node, Comment))
    lines = (re.sub(r"[^\S\n]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
