"""CLI subcommands, one module each (see llmsdk.cli)."""
