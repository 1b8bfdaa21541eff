"""The tag-aware scanner: visible text, and the way back to exact offsets in the stored page text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.extract.located_json import loads_equivalent, parse_located
from enrich.extract.markup import closing_indices, scan_tags, visible_text


def test_visible_text_drops_markup_comments_scripts_styles_and_decodes_entities() -> None:
    html = (
        "<html><head><title>Über uns &ndash; ACME</title><script>var x = '<p>1,000</p>';</script>"
        "<style>p { color: red }</style></head><body><!-- 999 employees -->"
        "<p>Wir besch&auml;ftigen 3&nbsp;182 Menschen in M\u00fcnchen.</p></body></html>"
    )
    text = visible_text(html).text
    assert "Über uns – ACME" in text
    assert "Wir beschäftigen 3\u00a0182 Menschen in München." in text
    assert "999" not in text and "1,000" not in text and "color" not in text


def test_blocks_are_separated_by_line_breaks_and_table_cells_by_tabs() -> None:
    text = visible_text("<div>one</div><p>two</p><table><tr><td>a</td><td>b</td></tr></table>").text
    assert text.split() == ["one", "two", "a", "b"]
    assert "one\ntwo" in text and "a\tb" in text


def test_source_span_maps_entities_back_to_their_whole_source_text() -> None:
    html = "<p>&Uuml;ber 3&nbsp;182 Mitarbeiter in M&uuml;nchen &amp; Stra&szlig;burg</p>"
    visible = visible_text(html)
    start = visible.text.index("Über")
    end = visible.text.index("Straßburg") + len("Straßburg")
    source_start, source_end = visible.source_span(start, end)
    assert html[source_start:source_end] == (
        "&Uuml;ber 3&nbsp;182 Mitarbeiter in M&uuml;nchen &amp; Stra&szlig;burg"
    )


def test_unterminated_markup_is_kept_as_text_or_ends_at_the_end_of_the_page() -> None:
    assert visible_text("3 < 4 and <b>bold").text == "3 < 4 and bold"
    assert visible_text("before<!-- never closed 5,000 employees").text == "before"
    assert [tag.name for tag in scan_tags("<script>var a = 1;")] == ["script"]


@pytest.mark.timeout(10)
def test_hostile_markup_is_scanned_in_linear_time() -> None:
    # Quadratic scanning made this page take minutes; a tag that never closes hides the rest, as in browsers.
    tags = scan_tags("<p>before</p>" + '<a href="x ' * 50_000)
    assert [tag.kind for tag in tags] == ["start", "end", "other"]
    many = scan_tags("<i>x</i>" * 50_000)
    assert len(many) == 100_000
    assert closing_indices(many)[0] == 1


_PIECES = st.sampled_from(
    [
        "Ärger",
        "groß",
        "über",
        "3\u00a0182",
        "&uuml;",
        "&nbsp;",
        "&amp;",
        "&#228;",
        "&#xE4;",
        "&notanentity;",
        "<b>",
        "</b>",
        "<p>",
        "</p>",
        "<br>",
        "<!-- hidden -->",
        "<td>",
        " ",
        "\n",
        "Mitarbeiter",
        "1.200",
        "&",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=30), st.data())
def test_every_visible_span_maps_to_source_text_that_shows_the_same_characters(
    pieces: list[str], data: st.DataObject
) -> None:
    html = "".join(pieces)
    visible = visible_text(html)
    if not visible.text:
        return
    start = data.draw(st.integers(0, len(visible.text) - 1))
    end = data.draw(st.integers(start + 1, len(visible.text)))
    source_start, source_end = visible.source_span(start, end)
    shown_again = visible_text(html[source_start:source_end]).text
    # Re-reading the source slice shows the same characters (block breaks aside).
    assert shown_again.replace("\n", "").replace("\t", "") == visible.text[start:end].replace(
        "\n", ""
    ).replace("\t", "")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_JSON, st.sampled_from([None, 2]), st.booleans())
def test_located_json_reads_what_json_loads_reads(
    value: object, indent: int | None, ascii_only: bool
) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    assert loads_equivalent(parse_located(text)) == json.loads(text)


def test_located_json_knows_where_each_member_stands() -> None:
    text = 'x {"a": [1, {"b": "M\\u00fcnchen"}], "c": null} y'
    node = parse_located(text, 2, len(text) - 2)
    member = node.get("a")
    assert member is not None
    assert text[member.key_start : member.node.end] == '"a": [1, {"b": "M\\u00fcnchen"}]'


@pytest.mark.parametrize(
    "hidden",
    [
        '<span aria-hidden="true">999 employees</span>',
        '<span class="btn sr-only">999 employees</span>',
        '<div class="visually-hidden">999 employees</div>',
        '<p style="opacity: 0">999 employees</p>',
        '<p style="font-size:0">999 employees</p>',
        '<p style="position:absolute; left:-9999px">999 employees</p>',
    ],
)
def test_elements_hidden_from_people_are_not_visible_text_as_for_the_llm(hidden: str) -> None:
    from enrich.llm.visible_text import visible_text as llm_visible_text

    html = f"<body><p>We are 85 people.</p>{hidden}<p>Contact us.</p></body>"
    assert "999" not in visible_text(html).text
    assert "999" not in llm_visible_text(html), "both visible texts follow the same hiding rules"
    assert "We are 85 people." in visible_text(html).text
