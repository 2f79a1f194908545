from glacier.cli.main import main

raise SystemExit(main())
