"""Running candidate code: the child process (runner), what runs inside it (harness), and the
summaries the transcript records (summary).

Owns: everything that executes code the candidate wrote.
Never imports: tui, cli, llm, rich or prompt_toolkit; harness.py imports nothing of mockloop.
"""
