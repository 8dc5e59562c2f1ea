"""Judges score a transcript against rubrics: the offline key-point scorer, or an LLM.

Never imports: tui, cli, rich or prompt_toolkit; the LLM judge reaches a model only through
mockloop.llm; the offline judge builds on mockloop.analysis.
"""
