"""Interviewers ask the questions and follow-ups: the offline scripted one, or an LLM."""
