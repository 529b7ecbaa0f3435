"""The backend registry (searcher.backends): a backend is one registry line, and
nothing else in the registry or in fetch names one (#25)."""

from __future__ import annotations

from pathlib import Path

import pytest

from searcher import backends, fetch
from searcher.backends import Backend
from searcher.errors import SearcherError


class EchoIndex:
    """A third backend's reader: remembers where it was opened."""

    def __init__(self, location: str):
        self.path = location

    def close(self) -> None:
        pass


def echo_build(sources, location, **options):
    return ("built", location, list(sources), options)


@pytest.fixture
def echo(monkeypatch):
    backend = Backend(
        "echo",
        schemes=("echo",),
        address="echo://NAME",
        reader=f"{__name__}:EchoIndex",
        build=f"{__name__}:echo_build",
        delete=f"{__name__}:echo_build",
        open_options=frozenset(),
        write_options=frozenset({"rebuild"}),
        delete_options=frozenset(),
    )
    monkeypatch.setitem(backends.BACKENDS, "echo", backend)
    return backend


def test_a_third_backend_is_one_registry_line(echo):
    index = backends.open_index("echo://one")
    assert isinstance(index, EchoIndex) and index.path == "echo://one"
    assert backends.build_index([], "echo://one", rebuild=True) == (
        "built",
        "echo://one",
        [],
        {"rebuild": True},
    )
    assert backends.is_remote("ECHO://one")
    assert backends.index_exists("echo://one")  # it cannot tell: assumed
    assert backends.resolve(None, "echo://two") == "echo://two"
    # fetch keeps its page state here for an address, whatever the backend
    assert fetch.default_state_path("echo://one") == Path(fetch.STATE_FILE)


def test_resolve_names_every_remote_address(echo):
    with pytest.raises(SearcherError) as error:
        backends.resolve(None, "elastic://x")
    message = str(error.value)
    assert "manticore://HOST:PORT[,HOST:PORT]/TABLE" in message and "echo://NAME" in message


def test_check_refuses_a_backend_that_cannot_check(echo):
    with pytest.raises(SearcherError, match="only an index folder can be checked"):
        backends.check_index("echo://one")


def test_folders_are_whoosh_and_keep_their_state_inside(tmp_path):
    assert backends.backend_of(tmp_path).name == "whoosh"
    assert not backends.is_remote(str(tmp_path))
    assert not backends.index_exists(tmp_path)
    assert fetch.default_state_path(str(tmp_path)) == tmp_path / fetch.STATE_FILE


def test_the_registry_is_the_only_place_naming_manticore():
    """Outside its declaration and the registry line, backends.py and fetch.py do not name it."""
    root = Path(backends.__file__).parent
    text = (root / "backends.py").read_text(encoding="utf-8")
    start = text.index("MANTICORE = Backend(")
    end = text.index("REMOTE_SCHEMES =", start)  # the declaration and the registry line
    outside = text[text.index('"""', 3) + 3 : start] + text[end:]  # after the module docs
    assert "manticore" not in outside.lower()
    assert "manticore" not in (root / "fetch.py").read_text(encoding="utf-8").lower()
