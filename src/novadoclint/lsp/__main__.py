from novadoclint.lsp.server import main

raise SystemExit(main())
