/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kc_wb_hook.h: included by the generated kernel file between
 * zswap_writeback_entry() and shrink_memcg_cb(), so that shrink_memcg_cb()'s
 * call hands writeback's result to the harness on the way.  At the re-lock
 * after writeback (a step boundary) that result is the one value of
 * shrink_memcg_cb()'s frame that decides what it does next (LRU_RETRY,
 * LRU_STOP or LRU_REMOVED_RETRY), and the state key (harness.c kc_key) must
 * hold it.  A macro is not expanded again inside its own expansion, so the
 * call inside is the real function's; the kernel's text is unchanged.
 */
#ifndef KC_WB_HOOK_H
#define KC_WB_HOOK_H

int kc_note_wb_result(int result);
#define zswap_writeback_entry(...) kc_note_wb_result(zswap_writeback_entry(__VA_ARGS__))

#endif /* KC_WB_HOOK_H */
