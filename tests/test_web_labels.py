"""What the pages say they count (#25 leftovers): a story-mode timeline counts
stories ("peristiwa"), and the home page's window names the days it holds, not
the gap between a stray late story and the rest.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

import pytest

import searcher
from tests.support import web_client
from tests.test_stories import corpus
from web.pages import days_label


@pytest.mark.parametrize(
    "days, label",
    [
        ([date(2019, 10, 25)], "25 Okt 2019"),
        ([date(2019, 10, 24), date(2019, 10, 25)], "24 Okt 2019 – 25 Okt 2019"),
        (
            [date(2019, 10, 24), date(2019, 10, 25), date(2023, 5, 8)],
            "24 Okt 2019 – 25 Okt 2019 dan 8 Mei 2023",
        ),
        (
            [date(2023, 5, 8), date(2019, 10, 20), date(2019, 10, 25)],
            "20 Okt 2019, 25 Okt 2019 dan 8 Mei 2023",
        ),
        ([], ""),
    ],
)
def test_days_label_names_runs_of_days_and_not_the_gaps(days, label):
    assert days_label(days) == label


@pytest.fixture(scope="module")
def stray_index(tmp_path_factory):
    """The stories corpus (September and October 2019) plus one story dated 2023."""
    stray = replace(
        corpus()[0],
        id="late-1",
        title="Banjir Rob Rendam Pesisir Demak",
        body="Banjir rob merendam pesisir Demak pada Senin. Warga mengungsi ke balai desa.",
        url="https://kompas.com/late-1",
        published=datetime(2023, 5, 8, 9, 0),
    )
    path = tmp_path_factory.mktemp("stray") / "ix"
    searcher.build_index([*corpus(), stray], path, procs=1)
    return path


def test_the_home_window_names_its_days_not_the_gap(stray_index):
    with web_client(stray_index) as client:
        html = client.get("/").get_data(as_text=True)
    heading = re.search(r'id="home-stories-title">(.*?)</h2>', html, re.S).group(1)
    assert "dan 8 Mei 2023" in heading, heading
    assert "– 8 Mei 2023" not in heading, heading  # no span running across the gap


def test_a_story_mode_timeline_counts_stories_and_an_article_one_articles(sample_client):
    def peak(url: str) -> str:
        html = sample_client.get(url).get_data(as_text=True)
        return re.search(r"Puncak: [^<]*\)", html).group(0)

    assert peak("/search?q=pemerintah").endswith(" peristiwa)")
    assert peak("/search?q=pemerintah&collapse=0").endswith(" berita)")
    html = sample_client.get("/search?q=pemerintah").get_data(as_text=True)
    titles = re.findall(r"<title>([^<]*)</title>", html.split('class="timeline"', 1)[1])
    assert titles and all(t.endswith((" peristiwa", " berita")) for t in titles)
    assert any(t.endswith(" peristiwa") for t in titles)
