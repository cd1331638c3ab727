"""One canonical URL per article."""
from __future__ import annotations

import pytest

from extractors.urls import canonical_url


@pytest.mark.parametrize("url,expected", [
    ("https://n.news.naver.com/mnews/article/001/0014123456?sid=105", "https://n.news.naver.com/article/001/0014123456"),
    ("https://n.news.naver.com/article/001/0014123456", "https://n.news.naver.com/article/001/0014123456"),
    ("https://m.news.naver.com/read.nhn?mode=LSD&mid=sec&sid1=105&oid=001&aid=0014123456",
     "https://n.news.naver.com/article/001/0014123456"),
    ("https://news.naver.com/main/read.naver?oid=001&aid=0014123456", "https://n.news.naver.com/article/001/0014123456"),
    ("https://m.v.daum.net/v/20260301120000123", "https://v.daum.net/v/20260301120000123"),
    ("https://m.example.co.kr/news/articleView.html?idxno=5", "https://www.example.co.kr/news/articleView.html?idxno=5"),
    ("https://www.example.co.kr/news/amp/articleView.html?idxno=5", "https://www.example.co.kr/news/articleView.html?idxno=5"),
    ("https://amp.example.com/story/5", "https://www.example.com/story/5"),
    ("https://www.example.com/story/5?outputType=amp", "https://www.example.com/story/5"),
    ("https://www.example.com/a?id=3&utm_source=naver&utm_medium=news&fbclid=Iw&gclid=x#comments",
     "https://www.example.com/a?id=3"),
    ("HTTPS://WWW.Example.COM:443/a?b=1", "https://www.example.com/a?b=1"),
])
def test_variants_map_to_one_form(url, expected):
    assert canonical_url(url) == expected


def test_page_canonical_is_preferred_when_on_the_same_site():
    assert canonical_url("https://m.example.co.kr/a?idxno=5&utm_source=x", "https://www.example.co.kr/news/5") \
        == "https://www.example.co.kr/news/5"
    assert canonical_url("https://www.example.co.kr/news/5", "/news/5?ref_src=tw") == "https://www.example.co.kr/news/5"


def test_page_canonical_pointing_home_is_ignored():
    assert canonical_url("https://www.example.co.kr/news/5", "https://www.example.co.kr/") == "https://www.example.co.kr/news/5"
    assert canonical_url("https://www.example.co.kr/news/5", "javascript:void(0)") == "https://www.example.co.kr/news/5"


def test_syndicated_copy_keeps_the_original_as_canonical():
    assert canonical_url("http://127.0.0.1:8000/news/5?utm_source=rss", "https://www.publisher.example/news/5") \
        == "https://www.publisher.example/news/5"


def test_portal_canonical_from_a_publisher_copy_is_accepted():
    assert canonical_url("https://m.news.naver.com/read.nhn?oid=001&aid=0014123456",
                         "https://n.news.naver.com/mnews/article/001/0014123456") \
        == "https://n.news.naver.com/article/001/0014123456"
