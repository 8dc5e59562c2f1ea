"""The command-line skin: Typer commands parse options, call the library and render.

Never imported by anything but the console script and tests.
"""
