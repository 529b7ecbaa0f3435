"""How the web package is put together (#25, item 7): imports run one way, the API
answers its own errors as JSON, sorts and limits are defined once, parameters are
data.
"""

from __future__ import annotations

import ast
import re
from html import unescape

import pytest

from searcher.request import MAX_PAGE, MAX_QUERY_CHARS
from tests.support import ROOT, web_client
from web import params as web_params
from web.params import (
    SEARCH_SORTS,
    STORY_LIST_SORTS,
    STORY_SORTS,
    SearchParams,
    StoryListParams,
    StoryParams,
)

WEB = ROOT / "web"


def web_imports(path) -> set[str]:
    """The web modules ``path`` imports, at any level (function bodies included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            # "from web import pages" imports the module web.pages (and the package).
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        modules = {p.stem for p in WEB.glob("*.py")}
        for name in names:
            if name == "web" or (name.startswith("web.") and name[4:] in modules):
                found.add(name)
    return found


def test_no_web_module_imports_the_package_back():
    # "from web import x" in web/pages.py ran web/__init__ (which imports pages): a circle.
    for path in WEB.glob("*.py"):
        if path.name in ("__init__.py", "server.py"):
            continue  # server.py is above the package: it starts the app
        imports = web_imports(path)
        assert "web" not in imports, (path.name, imports)


def test_the_web_modules_import_each_other_without_a_circle():
    graph = {
        ("web" if p.name == "__init__.py" else f"web.{p.stem}"): {
            name for name in web_imports(p) if name != "web" or p.name == "server.py"
        }
        for p in WEB.glob("*.py")
    }
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            assert state.get(target) != "open", " -> ".join(path + [target])
            if target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert graph["web"] >= {"web.pages", "web.api", "web.security", "web.errors"}


@pytest.fixture(scope="module")
def client(sample_index):
    with web_client(sample_index) as client:
        yield client


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/api/no-such-thing", 404),
        ("get", "/api", 404),
        ("post", "/api/search?q=banjir", 405),
        ("get", "/api/search?q=banjir&page=0", 400),
        ("get", "/api/article/no-such-id", 404),
    ],
)
def test_the_api_answers_its_errors_as_json(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["status"] == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/no-such-page", 404),
        ("get", "/apiary", 404),  # not under /api/: the site's page
        ("post", "/search?q=banjir", 405),
        ("get", "/search?q=banjir&page=0", 400),
    ],
)
def test_pages_answer_their_errors_as_pages(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert "Content-Security-Policy" in response.headers


def test_a_bad_host_is_refused_in_the_format_of_the_url(client):
    bad = {"Host": "a..b"}
    api = client.get("/api/search?q=banjir", headers=bad)
    page = client.get("/search?q=banjir", headers=bad)
    assert (api.status_code, api.mimetype) == (400, "application/json")
    assert api.get_json()["parameter"] == "Host"
    assert (page.status_code, page.mimetype) == (400, "text/html")


@pytest.mark.parametrize("sorts", [SEARCH_SORTS, STORY_LIST_SORTS, STORY_SORTS])
def test_each_sort_is_named_once_and_its_url_word_reads_back(sorts):
    words = [word for word, _label in sorts.values()]
    labels = [label for _word, label in sorts.values()]
    assert len(set(words)) == len(words) and len(set(labels)) == len(labels)
    reader = {
        id(SEARCH_SORTS): lambda word: SearchParams.from_args(_args(sort=word)),
        id(STORY_LIST_SORTS): lambda word: StoryListParams.from_args(_args(sort=word)),
        id(STORY_SORTS): lambda word: StoryParams.from_args(_args(sort=word)),
    }[id(sorts)]
    for name, (word, _label) in sorts.items():
        assert reader(word).sort == name
        assert reader(name).sort == name  # the library's name is accepted too


def _args(**values):
    from werkzeug.datastructures import MultiDict

    return MultiDict(values)


def test_the_search_page_offers_the_sorts_with_their_labels_and_words(client):
    html = client.get("/search?q=banjir").get_data(as_text=True)
    nav = html.split('class="sort"', 1)[1].split("</nav>", 1)[0]
    shown = [unescape(s) for s in re.findall(r'class="sort-option[^"]*"[^>]*>([^<]+)<', nav)]
    assert shown == [label for _word, label in SEARCH_SORTS.values()]
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', nav)]
    assert {h.split("sort=")[1].split("&")[0] for h in hrefs} == {
        word for name, (word, _) in SEARCH_SORTS.items() if name != "relevance"
    }


def test_parameters_are_data_the_views_run_the_search(sample_ix):
    assert not hasattr(SearchParams, "run")
    assert not hasattr(StoryListParams, "run") and not hasattr(StoryParams, "run")
    params = SearchParams.from_args(_args(q="banjir", sort="terbaru", per_page="3"))
    options = params.search_options()
    assert (options["sort"], options["per_page"], options["page"]) == ("newest", 3, 1)
    result = sample_ix.search(params.q, **options)
    assert len(result.hits) == 3 and result.sort == "newest"


def test_the_templates_take_the_limits_from_the_code(sample_index):
    for path in (WEB / "templates").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert str(MAX_PAGE) not in text and f'maxlength="{MAX_QUERY_CHARS}"' not in text, path
    with web_client(sample_index) as client:
        app = client.application
        assert app.jinja_env.globals["max_page"] == web_params.MAX_PAGE == MAX_PAGE
        html = client.get("/search?q=banjir").get_data(as_text=True)
        assert f'maxlength="{MAX_QUERY_CHARS}"' in html
        # The last page the code allows has no "next" link, whatever the template says.
        app.jinja_env.globals["max_page"] = 2
        second = client.get("/search?q=pemerintah&per_page=1&page=2").get_data(as_text=True)
        first = client.get("/search?q=pemerintah&per_page=1&page=1").get_data(as_text=True)
    assert 'rel="next"' in first and 'rel="next"' not in second
