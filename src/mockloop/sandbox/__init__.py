"""Running candidate code: the OS sandbox around it (boundary), the child process and its limits
(runner), what runs inside (harness), the trusted side of the result protocol (protocol), reading
a workspace without trusting it (workspace), and the summaries the transcript records (summary).

Owns: everything that executes code the candidate wrote.
Never imports: tui, cli, llm, rich or prompt_toolkit; harness.py imports nothing of mockloop.
"""
