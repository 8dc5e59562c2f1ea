"""The model gateway: the only package that imports litellm.

Owns: completion calls with retries and cost (gateway), the provider error table (errors),
token counting and the lazy litellm import (tokens), and record/replay of calls (replay).
Never imports: tui, cli, rich or prompt_toolkit. Importing this package is cheap: litellm
loads on the first live call, never at import time.
"""
