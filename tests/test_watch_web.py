"""``/watches`` (#26, item 5): saved searches managed from the browser, with CSRF
protection, over the same database as ``python -m searcher watch``."""

from __future__ import annotations

import re

import pytest

from searcher import watch
from searcher.cli import main
from tests.support import web_client
from tests.test_watch import FIRST, LATER, add_articles


@pytest.fixture
def index(tmp_path):
    path = tmp_path / "index"
    add_articles(path, FIRST)
    return path


@pytest.fixture
def client(index):
    with web_client(index) as client:
        yield client


def token(client, url: str = "/watches") -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_a_search_is_saved_from_the_browser_and_run_by_the_cli(client, index, capsys):
    form = client.get("/watches?q=banjir&source=Tempo&since=2019-09-01").get_data(as_text=True)
    assert 'name="q" value="banjir"' in form and 'name="source" value="Tempo"' in form
    answer = client.post(
        "/watches",
        data={
            "csrf": token(client),
            "name": "banjir-tempo",
            "q": "banjir",
            "source": "Tempo",
            "since": "2019-09-01",
        },
    )
    assert (answer.status_code, answer.headers["Location"]) == (303, "/watches?saved=banjir-tempo")
    with watch.WatchStore(index / watch.DATABASE) as store:
        [saved] = store.watches()
    assert (saved.name, saved.query, saved.filters) == (
        "banjir-tempo",
        "banjir",
        {"source": ["Tempo"], "since": "2019-09-01"},
    )
    add_articles(index, LATER)
    assert main(["watch", "run", "--index", str(index)]) == 0
    page = client.get("/watches").get_data(as_text=True)
    assert "Banjir di Jakarta Timur" in page  # its latest match
    assert "Banjir kembali melanda Bekasi" not in page  # Kompas's: not this search's


def test_a_form_without_its_token_changes_nothing(client, index):
    client.get("/watches")
    for data in ({"name": "x", "q": "banjir"}, {"csrf": "tebakan", "name": "x", "q": "banjir"}):
        answer = client.post("/watches", data=data)
        assert answer.status_code == 400
        assert "Formulir kedaluwarsa" in answer.get_data(as_text=True)
    good = token(client)
    client.post("/watches", data={"csrf": good, "name": "x", "q": "banjir"})
    assert client.post("/watches/remove", data={"name": "x"}).status_code == 400
    with watch.WatchStore(index / watch.DATABASE) as store:
        assert [w.name for w in store.watches()] == ["x"]
    assert client.post("/watches/remove", data={"csrf": good, "name": "x"}).status_code == 303
    with watch.WatchStore(index / watch.DATABASE) as store:
        assert store.watches() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "q": "banjir"}, "watch: NAME must be 1 to 100 printable characters"),
        ({"name": "x", "q": ""}, "q: tulis kueri yang ingin diikuti"),
        ({"name": "x", "q": "banjir", "since": "kemarin lusa"}, "since: "),
    ],
)
def test_a_bad_saved_search_is_400_with_the_reason_and_the_form_kept(client, data, message):
    answer = client.post("/watches", data={"csrf": token(client), **data})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert f'<p class="warning" role="alert">{message}' in html
    assert f'name="q" value="{data["q"]}"' in html


def test_the_result_page_links_to_saving_its_search(client):
    page = client.get("/search?q=banjir&source=Kompas").get_data(as_text=True)
    assert 'href="/watches?q=banjir&amp;source=Kompas#simpan">Simpan</a>' in page
