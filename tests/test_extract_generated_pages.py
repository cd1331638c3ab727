"""The benchmark's generated pages (``radar.synthetic_news``: Korean news chrome with navigation, a breaking-news
ticker, related lists, comments, ads and scripts around the article) extract to exactly the paragraphs each
page carries: no ticker or related headline joins the body, no body paragraph is lost."""
from __future__ import annotations

from extractors.article import extract_article
from radar.synthetic_news import SyntheticSites

PAGES = 250          # 7 of the first 250 had the header ticker's headlines in their body before the fix


def test_generated_pages_extract_to_their_own_paragraphs():
    sites = SyntheticSites(PAGES)
    wrong = []
    for i in range(PAGES):
        article = extract_article(sites.page_bytes(i), url=sites.url(i, 80))
        if article.body != "\n\n".join(sites.paragraphs(i)):
            wrong.append(i)
    assert wrong == [], f"pages whose body is not the article's text: {wrong}"
