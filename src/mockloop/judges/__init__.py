"""Judges score a transcript against rubrics: the offline key-point scorer, or an LLM."""
