from codie.cli.main import main

raise SystemExit(main())
