"""The terminal skin: the only importer of prompt_toolkit, and with cli the only user of rich.

Owns: the Terminal object (terminal), streamed replies (stream), the prompt-toolkit editor and
terminal candidate (editor), key bindings and slash commands (keys, slash), the toolbar clock
(countdown), Ctrl-C handling (signals), and rich renderings of scorecards and transcripts
(render, view).
Never imports: cli, or litellm (model calls go through mockloop.llm).
"""
