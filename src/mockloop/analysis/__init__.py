"""Answer analysis shared by the scripted interviewer and the offline judge.

Owns: text normalisation and sentences (text), similarity backends (embedding), and key-point
coverage of an answer (keypoints).
Never imports: interviewers, judges, tui, cli, llm, rich or prompt_toolkit.
"""
