"""``python -m searcher``: the command line (:mod:`searcher.cli`)."""

from searcher.cli import main

raise SystemExit(main())
