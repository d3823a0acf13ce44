"""The kernel's own sources, held against the project: extraction (sources.py) and the quote checker (quotes.py)."""
