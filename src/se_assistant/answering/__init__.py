"""Turning retrieved passages into an Answer: extractive by default, an LLM when configured."""
