"""Candidates that answer without a person: scripted answers files (scripted) and simulated or
LLM candidates (simulated). The terminal candidate lives in mockloop.tui.editor.

Never imports: tui, cli, rich or prompt_toolkit; an LLM candidate reaches a model only through
mockloop.llm.
"""
