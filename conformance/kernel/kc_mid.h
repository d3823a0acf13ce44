/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kc_mid.h: included by the generated kernel file after the list_lru code and
 * before the zswap code: mm/zswap.c's file-scope variables (the harness owns
 * them so it can observe them) and the few static helpers of mm/zswap.c that
 * are not under test (pool, limits), as shims.
 */
#ifndef KC_MID_H
#define KC_MID_H

/* mm/zswap.c's globals, same names and types */
static struct list_lru zswap_list_lru;
static struct list_lru_node kc_lru_node;	/* __list_lru_init(): one node */
static struct xarray *zswap_trees[MAX_SWAPFILES];
static unsigned int nr_zswap_trees[MAX_SWAPFILES];
atomic_t zswap_stored_pages = ATOMIC_INIT(0);
static u64 zswap_written_back_pages;
static u64 zswap_reject_reclaim_fail;
static u64 zswap_reject_alloc_fail;
static u64 zswap_reject_kmemcache_fail;
static struct workqueue_struct *shrink_wq;
static struct work_struct zswap_shrink_work;
static bool zswap_pool_reached_full;
static bool zswap_enabled = true;
static bool zswap_shrinker_enabled = true;
static struct kmem_cache kc_zswap_entry_cache;	/* sizeof(struct zswap_entry), set at init */
static struct kmem_cache *zswap_entry_cache = &kc_zswap_entry_cache;

/* One pool that is always there; the pool refcount is not part of the protocol. */
static struct zswap_pool kc_pool;
static inline struct zswap_pool *zswap_pool_current_get(void) { return &kc_pool; }
static inline void zswap_pool_put(struct zswap_pool *pool) { (void)pool; }
static inline bool zswap_never_enabled(void) { return false; }
/* The pool limits are not modelled: a store never hits them. */
static inline bool zswap_check_limits(void) { return false; }

/* include/linux/list_lru.h's inline, plus the harness noting the walk's
 * callback argument: zswap_shrinker_scan()'s encountered_page_in_swapcache,
 * whose value says that the callback returned LRU_STOP. */
void kc_walk_enter(void *cb_arg);
void kc_walk_leave(void *cb_arg);
static inline unsigned long
list_lru_shrink_walk(struct list_lru *lru, struct shrink_control *sc,
		     list_lru_walk_cb isolate, void *cb_arg)
{
	unsigned long ret;

	kc_walk_enter(cb_arg);
	ret = list_lru_walk_one(lru, sc->nid, sc->memcg, isolate, cb_arg,
				&sc->nr_to_scan);
	kc_walk_leave(cb_arg);
	return ret;
}

#endif /* KC_MID_H */
