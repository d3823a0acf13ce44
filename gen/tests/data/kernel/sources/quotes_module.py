"""Made-up Python with kernel quotes in comments, for gen/tests/test_kernel_quotes.py."""

# [6.12 mm/widget.c:18] "w->state = WIDGET_READY;"
STATE = "ready"  # a string in code, "not(a quote);" in a comment without a tag
