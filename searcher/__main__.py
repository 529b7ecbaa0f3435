from searcher.cli import main

raise SystemExit(main())
