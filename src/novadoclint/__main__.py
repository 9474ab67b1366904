"""``python -m novadoclint``."""

from novadoclint.cli import main

raise SystemExit(main())
