"""`python -m bot` runs the saferhub command line."""

from bot.cli import main

raise SystemExit(main())
