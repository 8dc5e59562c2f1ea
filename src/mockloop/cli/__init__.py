"""The command-line skin: Typer commands parse options, call the library and render."""
