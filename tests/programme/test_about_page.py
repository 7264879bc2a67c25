"""The page on what depression and anxiety are, linked from the modules list."""

from tests.assessments.test_assessments_pages import text_of
from tests.factories import browser_login, make_user


def test_about_depression_and_anxiety(client, session):
    browser_login(client, make_user(session))
    assert 'href="/learn/depression-and-anxiety"' in client.get("/modules").text
    r = client.get("/learn/depression-and-anxiety")
    page = text_of(r.text)
    assert r.status_code == 200 and "<script" not in r.text and "style=" not in r.text
    for words in ("Depression is more than a bad day", "one adult in six", "What can keep them going",
                  "What can help", "It is not a diagnosis", "get help now"):
        assert words in page, words
