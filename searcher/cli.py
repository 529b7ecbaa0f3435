"""Command line: ``python -m searcher index|fetch|delete|query|stats|eval|serve|watch``.

The CLI only parses arguments and formats results; the library does the
work. Exit codes: 0 success, 1 nothing found or records rejected, 2 usage
error (bad arguments, bad query, no index).
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Sequence

from searcher import cli_watch
from searcher.cli_indexing import read_id_lines, run_delete, run_fetch, run_index
from searcher.cli_output import NOTHING, OK, USAGE, _Colour, format_result, printable, to_json
from searcher.cli_parser import build_parser
from searcher.cli_search import run_check, run_eval, run_query, run_serve, run_stats, run_stories
from searcher.errors import SearcherError
from searcher.readers import CorpusError

__all__ = [
    "NOTHING",
    "OK",
    "USAGE",
    "_Colour",
    "build_parser",
    "format_result",
    "main",
    "printable",
    "read_id_lines",
    "to_json",
]


def _take_ctrl_c() -> None:
    """Make Ctrl-C (SIGINT) raise KeyboardInterrupt even when it was inherited ignored.

    A shell starts a background job (``make test &``, ``nohup``) with SIGINT
    ignored, and Python then installs no handler of its own: ``index`` and
    ``fetch --every`` rely on KeyboardInterrupt to stop cleanly, so they would
    run on, or be stopped only by SIGKILL, mid-commit.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # ValueError: main() called from a thread other than the main one.
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _take_ctrl_c()
    try:
        return COMMANDS[args.command](args)
    except (SearcherError, CorpusError) as error:
        print(f"error: {printable(error)}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        print("interrupted; the last committed index is unchanged", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # e.g. `| head`: the reader went away, nothing to report
        return OK


COMMANDS = {
    "index": run_index,
    "query": run_query,
    "stats": run_stats,
    "eval": run_eval,
    "serve": run_serve,
}
COMMANDS.update(
    {
        "check": run_check,
        "fetch": run_fetch,
        "delete": run_delete,
        "stories": run_stories,
        "watch": cli_watch.run_watch,
    }
)
