// SPDX-License-Identifier: made-up test data for gen/tests/test_kernel_quotes.py, not kernel code
#include <stdio.h>

static int widget_count;

int widget_prepare(struct widget *w, int flags)
{
	if (!w)
		return -EINVAL;
	widget_count++;

	if (w->busy &&
	    (flags & WIDGET_WAIT)) {
		widget_wait(w);
		return -EAGAIN;
	}

	w->state = WIDGET_READY;
	return 0;
}

void widget_release(struct widget *w)
{
	w->state = WIDGET_IDLE;
	widget_count--;
}
