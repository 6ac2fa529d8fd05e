"""The renderers: pure functions from a report to text (Markdown, terminal, CSV, JSON)."""
