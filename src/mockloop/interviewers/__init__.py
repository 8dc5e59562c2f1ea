"""Interviewers ask the questions and follow-ups: the offline scripted one, or an LLM.

Never imports: judges, tui, cli, rich or prompt_toolkit; the LLM interviewer reaches a model
only through mockloop.llm; the scripted one builds on mockloop.analysis.
"""
