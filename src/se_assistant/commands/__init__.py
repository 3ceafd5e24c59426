"""One module per ``se-assistant`` subcommand, each with ``register(subparsers, common)``."""
