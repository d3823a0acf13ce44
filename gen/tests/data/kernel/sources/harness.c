/* Made-up test data for gen/tests/test_kernel_quotes.py: C comments. */
static const char *url = "http://example.com/ \"[6.12 mm/widget.c:10]\" not a comment";
	w = 1; // [6.12 mm/widget.c:10] "widget_count++;"
/* A block whose quote runs over two lines:
 * [6.12 mm/widget.c:12-13] "if (w->busy &&
 * (flags & WIDGET_WAIT)) {"
 */
// [6.12 mm/widget.c:24] "w->state = WIDGET_READY;"
