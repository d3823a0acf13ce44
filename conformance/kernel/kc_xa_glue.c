/*
 * The zswap tree is the kernel's real xarray: lib/xarray.c, built the way
 * tools/testing/radix-tree builds it (tools/testing/shared/xarray-shared.c,
 * the harness's own shims).  This file is compiled in that environment and
 * gives the harness, whose stub header knows struct xarray only by size, the
 * header inlines it needs (xa_cmpxchg, xa_init, xa_is_err, xa_err) as
 * functions.  Their bodies are the real include/linux/xarray.h inlines.
 */
#include "xarray-shared.h"
#include <linux/xarray.h>
#include <linux/radix-tree.h>

const unsigned long kc_xarray_size = sizeof(struct xarray);

void *kc_xa_cmpxchg(struct xarray *xa, unsigned long index, void *old, void *entry, gfp_t gfp)
{
	return xa_cmpxchg(xa, index, old, entry, gfp);
}

void kc_xa_init(struct xarray *xa)
{
	xa_init(xa);
}

bool kc_xa_is_err(const void *entry)
{
	return xa_is_err(entry);
}

int kc_xa_err(void *entry)
{
	return xa_err(entry);
}

void kc_xa_setup(void)
{
	rcu_register_thread();
	radix_tree_init();
}

/* zswap_swapoff()'s WARN_ON_ONCE(!xa_empty(trees + i)) */
bool kc_xa_empty(const struct xarray *xa)
{
	return xa_empty(xa);
}
