------------------------------- MODULE Quotes -------------------------------
\* [6.12 mm/widget.c:10] widget_prepare(): "widget_count++;"
Single == TRUE

\* [6.12 mm/widget.c:12-16] "if (w->busy && (flags & WIDGET_WAIT)) {
\*   widget_wait(w); return -EAGAIN; }"
MultiLine == TRUE

\* [6.12 mm/widget.c:7-19] "if (!w) return -EINVAL; ... w->state = WIDGET_READY;"
Gap == TRUE

\* [6.12 mm/widget.c] "widget_count--;" and "w->state = WIDGET_IDLE;"
NoRange == TRUE

\* [6.12 mm/widget.c:1-3] "widget_count--;"
OutOfRange == TRUE

\* [6.12 mm/widget.c:20] "w->state = WIDGET_RAEDY;"
NotFound == TRUE

\* Nobody said where "widget_release(w);" comes from.
Untagged == "widget_release(w)"

\* [v6.8 a65b0e7607cc mm/widget.c] "widget_wait(w, true);" and
\* [patch <20231130194023.4102148-1-nobody@example.com> mm/widget.c] "widget_skip(w);"
Older == TRUE

(***************************************************************************)
(* [6.12 mm/widget.c:25] inside a box: "widget_count--;" and the step      *)
(* names "Single", "tail" are prose.                                       *)
(***************************************************************************)
=============================================================================
