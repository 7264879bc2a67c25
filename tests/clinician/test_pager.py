"""The pager under long lists (templates/macros/pager.html): the dashboard, the on-call list, the
alert inbox and bulk assignment share it, so a filter survives turning the page everywhere."""

from __future__ import annotations

import re

from app import i18n
from app.web import env

PAGER = env.from_string('{% from "macros/pager.html" import pager %}{{ pager(path, page, pages, query) }}')


def _links(html: str) -> dict[str, str]:
    return {text: href for href, text in re.findall(r'href="([^"]+)">([^<]+)</a>', html)}


def test_the_pager_keeps_the_lists_query_and_says_where_you_are():
    html = PAGER.render(path="/clinician/alerts", page=2, pages=3, query="status=open")
    assert _links(html) == {"Previous page": "/clinician/alerts?page=1&amp;status=open",
                            "Next page": "/clinician/alerts?page=3&amp;status=open"}
    assert "Page 2 of 3" in html and 'aria-label="Pages"' in html


def test_first_and_last_pages_link_only_one_way_and_one_page_shows_no_pager():
    assert list(_links(PAGER.render(path="/clinician", page=1, pages=2, query=""))) == ["Next page"]
    assert _links(PAGER.render(path="/clinician", page=2, pages=2, query="")) == {"Previous page": "/clinician?page=1"}
    assert PAGER.render(path="/clinician", page=1, pages=1, query="").strip() == ""


def test_the_pager_in_spanish():
    with i18n.using("es"):
        html = PAGER.render(path="/clinician", page=1, pages=2, query="filter=urgent")
    assert "Page" not in html and "/clinician?page=2&amp;filter=urgent" in html


def test_a_list_not_counted_to_the_end_says_page_n_and_goes_on():
    more = env.from_string('{% from "macros/pager.html" import pager %}{{ pager(path, page, pages, query, more=True) }}')
    html = more.render(path="/clinician/alerts", page=3, pages=2, query="status=open")
    assert _links(html) == {"Previous page": "/clinician/alerts?page=2&amp;status=open",
                            "Next page": "/clinician/alerts?page=4&amp;status=open"}
    assert "Page 3<" in html and " of " not in html
    assert "Next page" in more.render(path="/clinician/alerts", page=1, pages=1, query="")
