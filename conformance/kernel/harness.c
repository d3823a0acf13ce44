// SPDX-License-Identifier: GPL-2.0
/*
 * harness.c: the 6.12 swap-in / zswap writeback code, real, under a
 * deterministic scheduler, driven over a line protocol by
 * conformance/kernel/system.py.
 *
 * Each actor (faulting task, background shrinker, swapoff) runs on its own stack
 * (ucontext, with ASan's fiber annotations).  It runs until a shim that is a
 * step boundary of the spec calls kc_yield(): the lock drop in
 * shrink_memcg_cb() before writeback, its re-lock after, the charge,
 * folio_add_lru() after add_to_swap_cache(), schedule_timeout_uninterruptible()
 * (the -EEXIST loop: BLOCKED), a folio lock held by someone else (BLOCKED).
 * A segment is what one actor runs from one such point to the next, with one
 * input (the slot of a fault, the charge's outcome, whether the writeback
 * folio allocation succeeds, should_try_to_free_swap()).  The scheduler
 * reports each segment as (start point, end point, events seen by shims);
 * system.py's table turns that into the spec's step name.
 *
 * enabled() is computed by running the real code: every (actor, input) is
 * tried in a fork()ed child, which reports its segment and exits.  The
 * parent then runs only the segment that the caller chose.
 *
 * Protocol (one command a line on stdin, one answer a line on stdout):
 *   init SLOTS TASKS SHRINKERS BUDGET SWAPOFFS SYNCIO V1 V2 ...   -> ok
 *                 (actors: the tasks, the shrinkers, then swapoff)
 *   trials        -> [[actor, input, start, end, events], ...]  (JSON)
 *   run A I       -> start end events
 *   env SwapOut S V | env FreeSlot S | env DropCleanFolio S   -> ok, or refused
 *                 (the kernel side's guard is false: nothing changed)
 *   envok         -> [[name, s], ...] the environment steps the kernel side allows
 *   observe       -> the state (JSON, internal shapes; system.py converts)
 *   mapped        -> [version, ...] the data each task (then swapoff) last mapped
 *   poisoned      -> [version, ...] the pages whose PTE swapoff's unuse_pte() poisoned
 *   key           -> the state key (kc_key: the whole state, canonical)
 *   explore first|any -> trials and environment steps, each with the key and state it
 *                 leads to (JSON, one line)
 *   fork          -> ok: a copy of this state answers from now on
 *   exit          -> ok: (in a copy) it ends; the state it was forked from answers
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>

#include "kc_stubs.h"

#define KC_MAX_SLOTS 8
#define KC_MAX_ACTORS 8
#define KC_MAX_VERSIONS 8
#define KC_STACK (1 << 20)

/* Points: where an actor stands between steps. */
enum kc_point {
	P_IDLE, P_LOOKUP, P_HIT_WAIT, P_CHARGE, P_CHARGE_RETRY, P_ADD, P_READ, P_MAP,
	P_WALK, P_WB_PREPARE, P_WB_WRITE, P_BLOCKED, P_UNUSE, P_OFF, P_NR
};
static const char *const point_name[P_NR] = {
	"IDLE", "LOOKUP", "HIT_WAIT", "CHARGE", "CHARGE_RETRY", "ADD", "READ", "MAP",
	"WALK", "WB_PREPARE", "WB_WRITE", "BLOCKED", "UNUSE", "OFF",
};

/* Events: what the shims saw during a segment (names in system.py's table). */
enum {
	E_NOSTEP = 1 << 0,	/* the actor's guard is false: no step */
	E_PTE_CHANGED = 1 << 1,	/* pte_same() failed */
	E_OUT_PAGE = 1 << 2,	/* do_swap_page: the folio left the swap cache */
	E_FOLIO_FOUND = 1 << 3,	/* filemap_get_folio() found a folio */
	E_SLOT_FREED = 1 << 4,	/* swap_swapcount() == 0 */
	E_ALLOC_FAIL = 1 << 5,	/* folio_alloc_mpol() failed (input) */
	E_EEXIST = 1 << 6,	/* swapcache_prepare() == -EEXIST */
	E_WRITEPAGE = 1 << 7,	/* __swap_writepage() */
	E_DELETE = 1 << 8,	/* delete_from_swap_cache() */
	E_FREE_SWAP = 1 << 9,	/* folio_free_swap() */
	E_SIGBUS = 1 << 10,	/* do_swap_page: mapped a folio that is not uptodate */
	E_CHARGE_FAIL = 1 << 11,
	E_POISON = 1 << 12,	/* set_pte_at() of a poisoned swap entry (unuse_pte) */
	E_SKIP_SWAPCACHE = 1 << 13,	/* do_swap_page: the SWP_SYNCHRONOUS_IO bypass */
	E_SYNC_PIN = 1 << 14,	/* the bypass's swapcache_prepare() pinned the slot */
	E_SWAPCACHE_BUSY = 1 << 15,	/* the bypass's swapcache_prepare() failed: back out */
};

/* Inputs: what the environment decides at a point. */
enum { IN_GO = 0, IN_CHARGE_OK = 0, IN_CHARGE_RECLAIM = 1, IN_CHARGE_FAIL = 2,
       IN_ALLOC_OK = 0, IN_ALLOC_FAIL = 1, IN_KEEP_CACHE = 0, IN_FREE_SWAP = 1, IN_PTE_MOVED = 1 };

/* swapoff's phase: the spec's swapoff frame (none, pc "unuse", pc "off") */
enum { PH_NONE, PH_UNUSE, PH_OFF };

struct kc_actor {
	int id;
	bool is_task;
	bool is_swapoff;	/* swapoff(2): try_to_unuse()'s swap-ins use the fault's fields below */
	int phase;		/* swapoff: PH_* */
	bool at_pte;		/* swapoff: unuse_pte_range() read the PTE; its pte_unmap() starts the lookup */
	bool read_done;		/* swapoff: swapin_readahead() read the folio; folio_lock() ends the step */
	ucontext_t ctx;
	void *stack;
	void *fake_stack;
	enum kc_point point;
	int input;
	unsigned events;
	/* do_swap_page's frame: the spec's [slot, page, pc] */
	bool fault_active;
	int slot, page;
	bool reclaimed;		/* this fault's charge reclaimed once (MAX_RECLAIM_RETRIES: one) */
	bool bypass;		/* this fault skips the swap cache (SWP_SYNCHRONOUS_IO) */
	struct folio *hit_folio;	/* at P_HIT_WAIT: the folio it found and holds a reference to */
	int mapped;		/* the data of the page this task mapped last (0: none) */
	/* the walk frame */
	bool in_walk;
	struct shrink_control *sc;	/* a task's reclaim: the walk's nr_to_walk is sc->nr_to_scan */
	bool *stop_flag;		/* zswap_shrinker_scan()'s encountered_page_in_swapcache */
	bool walk_stopped;		/* the last walk returned on LRU_STOP */
	unsigned long budget;		/* a shrinker's remaining shrink_memcg() calls */
	/* zswap_writeback_entry's frame: the entry the walk took, as it was then */
	bool wb_active;
	int wb_slot, wb_data;
	int block_slot;
	/* What the suspended stack holds beyond the spec's frames, for the
	 * state key (kc_key; README "The state key"): */
	struct folio *own_folio;	/* a task's new_folio in __read_swap_cache_async (charge to map) */
	struct zswap_entry *wb_entry;	/* shrink_memcg_cb's `entry` (from its unlock) */
	struct folio *wb_folio;		/* writeback's new_folio (at P_WB_WRITE) */
	unsigned long reclaim_budget;	/* kc_task_reclaim's budget at the current zswap_shrinker_scan */
	bool relock;			/* P_WALK is shrink_memcg_cb's re-lock, not a walk's start */
	int wb_result;			/* zswap_writeback_entry()'s result, as shrink_memcg_cb got it (kc_wb_hook.h) */
};

struct kc_actor *kc_current;
static struct kc_actor actors[KC_MAX_ACTORS];
static struct kc_actor env_actor = { .id = -1 };	/* who runs the environment's steps */
static int n_actors, n_tasks, n_swapoffs, n_slots, n_versions;
static int kc_sync_io;	/* the device is SWP_SYNCHRONOUS_IO (the spec's SyncIO) */
static unsigned long scan_budget;
static char version_name[KC_MAX_VERSIONS + 1][16];	/* [0] unused: NoData */
static ucontext_t sched_ctx;
static void *sched_fake_stack;
static const void *main_stack_bottom;
static size_t main_stack_size;

/* The rest of mm: the swap map, the swap cache, the device, the page table. */
static int swap_count[KC_MAX_SLOTS];
static bool swap_has_cache[KC_MAX_SLOTS];
static struct folio *swap_cache[KC_MAX_SLOTS];
static u8 *swap_device[KC_MAX_SLOTS];
static int pte[KC_MAX_SLOTS];	/* the page whose PTE holds the slot (0: none): swapped_page */
/* The device, for swapoff: SWP_WRITEOK (SwapOut hands out slots), whether
 * get_swap_device() still succeeds (percpu_ref_kill() not yet), the swap
 * slots cache (disabled while try_to_unuse() runs), swap_info[0] whose
 * swap_map unuse_pte_range() reads, and the pages whose PTE unuse_pte()
 * poisoned (an output, like `mapped`: no code reads it again). */
static bool kc_swap_writeok = true;
static bool kc_device_gone;
bool swap_slot_cache_enabled = true;
static unsigned char kc_swap_map[KC_MAX_SLOTS];
static struct swap_info_struct kc_si = { .swap_map = kc_swap_map };
struct swap_info_struct *swap_info[MAX_SWAPFILES] = { &kc_si };
static bool kc_poisoned[KC_MAX_VERSIONS + 1];

void kc_bug(const char *what, const char *file, int line)
{
	fprintf(stderr, "KERNEL BUG: %s at %s:%d (actor %d)\n", what, file, line,
		kc_current ? kc_current->id : -1);
	fflush(stderr);
	_exit(3);
}

/* ---- scheduling ------------------------------------------------------- */

static void kc_yield(enum kc_point point)
{
	struct kc_actor *a = kc_current;

	a->point = point;
	__sanitizer_start_switch_fiber(&a->fake_stack, main_stack_bottom, main_stack_size);
	swapcontext(&a->ctx, &sched_ctx);
	__sanitizer_finish_switch_fiber(a->fake_stack, &main_stack_bottom, &main_stack_size);
}

static void kc_run(struct kc_actor *a, int input)
{
	a->input = input;
	a->events = 0;
	kc_current = a;
	__sanitizer_start_switch_fiber(&sched_fake_stack, a->stack, KC_STACK);
	swapcontext(&sched_ctx, &a->ctx);
	__sanitizer_finish_switch_fiber(sched_fake_stack, NULL, NULL);
	kc_current = NULL;
}

/* The -EEXIST loop and a folio lock held by another actor: the actor cannot
 * go on until someone else steps.  It stops here for good: only trials get
 * here, and they are thrown away. */
static void __attribute__((noreturn)) kc_block(int slot)
{
	kc_current->block_slot = slot;
	for (;;)
		kc_yield(P_BLOCKED);
}

void kc_spin_lock(spinlock_t *l, const char *site)
{
	struct kc_actor *a = kc_current;

	/* [6.12 mm/zswap.c:1228] "spin_lock(lock);" after writeback: the walk goes on */
	if (a && !strcmp(site, "shrink_memcg_cb")) {
		a->wb_active = false;
		a->wb_entry = NULL;
		a->wb_folio = NULL;
		a->relock = true;
		kc_yield(P_WALK);
		a->relock = false;
	}
	if (l->held)
		kc_bug("spin_lock of a held lock (one CPU: a deadlock)", site, 0);
	l->held = 1;
}

static int kc_decode(const u8 *page);
static struct list_head *zswap_list_lru_tail(void);
static struct zswap_entry *kc_entry_of(struct list_head *item);
static swp_entry_t kc_entry_swp(struct zswap_entry *e);
static const u8 *kc_entry_data(struct zswap_entry *e);

void kc_spin_unlock(spinlock_t *l, const char *site)
{
	struct kc_actor *a = kc_current;

	if (!l->held)
		kc_bug("spin_unlock of a free lock", site, 0);
	l->held = 0;
	/* [6.12 mm/zswap.c:1206] "spin_unlock(lock);" before zswap_writeback_entry() */
	if (a && !strcmp(site, "shrink_memcg_cb")) {
		/* The entry was list_move_tail()ed just before: it is the LRU's
		 * tail.  Note what it is now, while it is surely alive. */
		struct list_head *tail = zswap_list_lru_tail();
		struct zswap_entry *e = kc_entry_of(tail);

		a->wb_active = true;
		a->wb_entry = e;
		a->wb_slot = (int)swp_offset(kc_entry_swp(e));
		a->wb_data = kc_decode(kc_entry_data(e));
		kc_yield(P_WB_PREPARE);
	}
}

/* kc_wb_hook.h: shrink_memcg_cb() gets zswap_writeback_entry()'s result. */
int kc_note_wb_result(int result)
{
	kc_current->wb_result = result;
	return result;
}

/* zswap_shrinker_scan()'s walk: its flag is live only during the walk. */
void kc_walk_enter(void *cb_arg)
{
	kc_current->stop_flag = cb_arg;
	kc_current->walk_stopped = false;
}

void kc_walk_leave(void *cb_arg)
{
	kc_current->walk_stopped = cb_arg && *(bool *)cb_arg;
	kc_current->stop_flag = NULL;
}

/* ---- folios and the swap cache ------------------------------------------ */

static int kc_decode(const u8 *page)
{
	for (int v = 1; v <= n_versions; v++)
		if (!strncmp((const char *)page, version_name[v], 16))
			return v;
	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (page[i])
			kc_bug("page holds bytes of no version", __FILE__, __LINE__);
	return 0;
}

static void kc_fill(u8 *page, int v)
{
	for (size_t i = 0; i < PAGE_SIZE; i += 16)
		strncpy((char *)page + i, version_name[v], 16);
}

struct folio *folio_alloc_mpol(gfp_t gfp, unsigned int order, struct mempolicy *mpol, pgoff_t ilx, int nid)
{
	struct folio *f;

	(void)gfp; (void)order; (void)mpol; (void)ilx; (void)nid;
	/* An input for writeback; a task's allocation succeeds (the spec has no
	 * step for it). */
	if (kc_current && kc_current->in_walk && kc_current->input == IN_ALLOC_FAIL) {
		kc_current->events |= E_ALLOC_FAIL;
		/* While swapoff runs the slots cache is off, so writeback of a
		 * freed slot gets here (swap_swapcount()'s check needs
		 * swap_slot_cache_enabled) and fails with the -ENOMEM that
		 * swapcache_prepare()'s -ENOENT gives too: the spec names
		 * both WbSlotFreed (spec/README "Swapoff"). */
		if (!swap_count[kc_current->wb_slot] && !swap_has_cache[kc_current->wb_slot])
			kc_current->events |= E_SLOT_FREED;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	f->data = calloc(1, PAGE_SIZE);
	f->refcount = 1;
	return f;
}

void folio_put(struct folio *f)
{
	if (--f->refcount == 0) {
		free(f->data);
		free(f);
	} else if (f->refcount < 0) {
		kc_bug("folio refcount below zero", __FILE__, __LINE__);
	}
}

void folio_unlock(struct folio *f)
{
	if (!folio_test_locked(f))
		kc_bug("folio_unlock of an unlocked folio", __FILE__, __LINE__);
	f->flags &= ~(1UL << PG_locked);
}

/* folio_lock(): one CPU, so "wait until unlocked" means "another actor must step".
 * The lock is PG_locked alone, as in the kernel: it records no owner, so
 * whether anyone will ever unlock it is not the shim's to know.  A folio
 * that left the swap cache still locked (a patched build's bug e3b63e966cac)
 * blocks its waiter here like any other; that nobody holds it is what
 * observe() reports (pc_of: "hit_stranded") and KernelSystem.blocked() reads. */
static void kc_folio_lock(struct folio *f, int slot)
{
	if (folio_test_locked(f))
		kc_block(slot);
	f->flags |= 1UL << PG_locked;
}

/* folio_lock() as unuse_pte_range() calls it: after a swap-cache hit it is
 * the wait of pc "hit_wait"; after swapin_readahead() read the folio it is
 * taken in the read's step, which ends there (the spec's SwapReadFolio
 * leaves the folio locked at pc "map", as do_swap_page()'s driver does). */
void folio_lock(struct folio *f)
{
	struct kc_actor *a = kc_current;

	kc_folio_lock(f, a->slot);
	a->hit_folio = NULL;
	if (a->read_done) {
		a->read_done = false;
		kc_yield(P_MAP);
	}
}

/* After add_to_swap_cache() the folio is visible and locked: the end of
 * AddToSwapCache (a task) or WbAllocFolio (writeback). */
void folio_add_lru(struct folio *f)
{
	if (kc_current->in_walk)
		kc_current->wb_folio = f;
	kc_yield(kc_current->in_walk ? P_WB_WRITE : P_READ);
}

/* get_swap_device() fails once swapoff's percpu_ref_kill() ran: writeback's
 * __read_swap_cache_async() returns NULL ([6.12 mm/swap_state.c:443-445]
 * "si = get_swap_device(entry); if (!si) return NULL;"), the -ENOMEM the
 * spec calls WbSlotFreed (every slot is free by then). */
struct swap_info_struct *get_swap_device(swp_entry_t e)
{
	(void)e;
	if (kc_device_gone) {
		kc_current->events |= E_SLOT_FREED;
		return NULL;
	}
	return &kc_si;
}
struct address_space *swap_address_space(swp_entry_t e) { (void)e; return NULL; }

struct folio *filemap_get_folio(struct address_space *m, pgoff_t index)
{
	struct folio *f = swap_cache[index];

	(void)m;
	if (!f)
		return ERR_PTR(-ENOENT);
	f->refcount++;
	kc_current->events |= E_FOLIO_FOUND;
	return f;
}

int swap_swapcount(struct swap_info_struct *si, swp_entry_t e)
{
	int n = swap_count[swp_offset(e)];

	(void)si;
	/* __read_swap_cache_async() gives up on a freed slot here only while
	 * the slots cache is on (not during swapoff: then the allocation's
	 * failure or swapcache_prepare()'s -ENOENT say it) */
	if (!n && swap_slot_cache_enabled)
		kc_current->events |= E_SLOT_FREED;
	return n;
}

/* mm/swapfile.c __swap_duplicate(entry, SWAP_HAS_CACHE, 1) */
int swapcache_prepare(swp_entry_t e, int nr)
{
	pgoff_t s = swp_offset(e);

	(void)nr;
	if (!swap_count[s] && !swap_has_cache[s]) {
		kc_current->events |= E_SLOT_FREED;	/* only while swapoff disabled the slots cache */
		return -ENOENT;
	}
	if (swap_has_cache[s]) {
		kc_current->events |= E_EEXIST;
		return -EEXIST;
	}
	swap_has_cache[s] = true;
	if (kc_current->bypass)
		kc_current->events |= E_SYNC_PIN;
	return 0;
}

/* [6.12 mm/swap_slots.c:277] free_swap_slot(): "zswap_invalidate(entry);" */
static void free_swap_slot(swp_entry_t e)
{
	zswap_invalidate(e);
}

/* mm/swapfile.c: the slot is freed when its count and SWAP_HAS_CACHE are both gone:
 * [6.12 mm/swapfile.c:1520-1521] "if (!usage) free_swap_slot(entry);" */
static void kc_swap_entry_put(pgoff_t s, bool cache)
{
	if (cache) {
		if (!swap_has_cache[s])
			kc_bug("SWAP_HAS_CACHE cleared twice", __FILE__, __LINE__);
		swap_has_cache[s] = false;
	} else {
		if (!swap_count[s])
			kc_bug("swap count below zero", __FILE__, __LINE__);
		swap_count[s]--;
	}
	if (!swap_count[s] && !swap_has_cache[s])
		free_swap_slot(swp_entry(0, s));
}

void put_swap_folio(struct folio *f, swp_entry_t e) { (void)f; kc_swap_entry_put(swp_offset(e), true); }
static void swap_free(swp_entry_t e) { kc_swap_entry_put(swp_offset(e), false); }

int add_to_swap_cache(struct folio *f, swp_entry_t e, gfp_t gfp, void **shadowp)
{
	pgoff_t s = swp_offset(e);

	(void)gfp; (void)shadowp;
	if (swap_cache[s])
		kc_bug("add_to_swap_cache: slot has a folio", __FILE__, __LINE__);
	f->refcount++;
	f->flags |= 1UL << PG_swapcache;
	f->swap = e;
	swap_cache[s] = f;
	return 0;
}

/* __delete_from_swap_cache() */
static void kc_delete_from_cache(struct folio *f)
{
	pgoff_t s = swp_offset(f->swap);

	if (swap_cache[s] != f)
		kc_bug("deleting a folio that is not in the swap cache", __FILE__, __LINE__);
	swap_cache[s] = NULL;
	f->flags &= ~(1UL << PG_swapcache);
}

/* [6.12 mm/swap_state.c:243-247] "__delete_from_swap_cache(folio, entry, NULL);" ...
 * "put_swap_folio(folio, entry);" ... "folio_ref_sub(folio, folio_nr_pages(folio));" */
void delete_from_swap_cache(struct folio *f)
{
	swp_entry_t e = f->swap;

	kc_current->events |= E_DELETE;
	kc_delete_from_cache(f);
	put_swap_folio(f, e);
	folio_put(f);
}

/* folio_free_swap(): the folio leaves the swap cache if it is still in it,
 * not under writeback, and no PTE refers to its slot:
 * [6.12 mm/swapfile.c:1872-1875] "if (!folio_swapcache_freeable(folio)) return false; if (folio_swapped(folio)) return false;"
 * then [6.12 mm/swapfile.c:1877-1878] "delete_from_swap_cache(folio); folio_set_dirty(folio);" */
bool folio_free_swap(struct folio *f)
{
	if (!folio_test_swapcache(f) || folio_test_writeback(f) || swap_count[swp_offset(f->swap)])
		return false;
	kc_current->events |= E_FREE_SWAP;
	delete_from_swap_cache(f);
	folio_mark_dirty(f);
	return true;
}

void schedule_timeout_uninterruptible(long timeout)
{
	(void)timeout;
	kc_block(-1);
}

/* The swap device: __swap_writepage() writes the slot's bytes; the write
 * completes at once and its end unlocks the folio
 * ([6.12 mm/page_io.c:383] "folio_unlock(folio);" in the bio's end). */
int __swap_writepage(struct folio *f, struct writeback_control *wbc)
{
	(void)wbc;
	kc_current->events |= E_WRITEPAGE;
	memcpy(swap_device[swp_offset(f->swap)], f->data, PAGE_SIZE);
	folio_unlock(f);
	return 0;
}

/* ---- the memcg charge: an input ---------------------------------------- */

static void kc_task_reclaim(struct kc_actor *a);

/* mem_cgroup_swapin_charge_folio(): ok, enter reclaim, or fail (the input).
 * A charge inside a walk (writeback's own __read_swap_cache_async) never
 * stops and succeeds: a task's direct reclaim runs with PF_MEMALLOC, and the
 * spec abstracts the kworker's charge the same way. */
int mem_cgroup_swapin_charge_folio(struct folio *f, struct mm_struct *mm, gfp_t gfp, swp_entry_t e)
{
	struct kc_actor *a = kc_current;

	(void)f; (void)mm; (void)gfp; (void)e;
	if (a->in_walk)
		return 0;
	a->own_folio = f;
	kc_yield(P_CHARGE);
	for (;;) {
		switch (a->input) {
		case IN_CHARGE_OK:
			kc_yield(P_ADD);
			return 0;
		case IN_CHARGE_RECLAIM:
			if (a->reclaimed) {
				a->events |= E_NOSTEP;
				kc_yield(a->point);
				continue;
			}
			a->reclaimed = true;
			/* [6.12 mm/memcontrol.c:2240-2241] try_charge_memcg(): "nr_reclaimed = try_to_free_mem_cgroup_pages(mem_over_limit, nr_pages, gfp_mask, reclaim_options, NULL);" */
			kc_task_reclaim(a);
			kc_yield(P_CHARGE_RETRY);
			continue;
		default:
			a->events |= E_CHARGE_FAIL;
			return -ENOMEM;
		}
	}
}

#include "kernel_fns.c"		/* the real 6.12 functions (generated by extract.py) */

/* ---- accessors the shims above need (after struct zswap_entry) ---------- */

static struct list_head *zswap_list_lru_tail(void) { return zswap_list_lru.node[0].lru.list.prev; }
static struct zswap_entry *kc_entry_of(struct list_head *item) { return container_of(item, struct zswap_entry, lru); }
static swp_entry_t kc_entry_swp(struct zswap_entry *e) { return e->swpentry; }
static const u8 *kc_entry_data(struct zswap_entry *e) { return (const u8 *)e->handle; }

/* ---- the actors' code ---------------------------------------------------- */

static bool kc_pte_same(struct kc_actor *a) { return pte[a->slot] == a->page; }

/* The zswap tree's entry for slot s; none once zswap_swapoff() freed the trees. */
static struct zswap_entry *kc_tree_entry(int s)
{
	return zswap_trees[0] ? xa_load(swap_zswap_tree(swp_entry(0, s)), s) : NULL;
}

/* A task's direct reclaim: try_to_free_mem_cgroup_pages() -> shrink_slab() ->
 * do_shrink_slab() -> zswap_shrinker_scan(), called again with what is left
 * of the scan budget until it is spent, the walk stopped (LRU_STOP), or
 * nothing was scanned (the spec's SCAN_BUDGET stands for reclaim's repeated
 * passes). */
static void kc_task_reclaim(struct kc_actor *a)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nid = 0, .memcg = NULL };
	struct shrinker shrinker = { 0 };
	/* the budget is the actor's, not a local: the state key reads it */
	a->reclaim_budget = scan_budget;
	a->in_walk = true;
	a->sc = &sc;
	a->stop_flag = NULL;
	sc.nr_to_scan = a->reclaim_budget;
	kc_yield(P_WALK);
	while (a->reclaim_budget) {
		sc.nr_to_scan = a->reclaim_budget;
		zswap_shrinker_scan(&shrinker, &sc);
		if (a->walk_stopped || sc.nr_to_scan == a->reclaim_budget)
			break;
		a->reclaim_budget = sc.nr_to_scan;
	}
	a->in_walk = false;
	a->sc = NULL;
	a->stop_flag = NULL;
}

/* swap_read_folio(): [6.12 mm/page_io.c:634-636] "} else if (zswap_load(folio)) { folio_unlock(folio); goto finish; }"
 * else the device read, whose completion marks the folio uptodate and unlocks it. */
static void kc_swap_read_folio(struct folio *f)
{
	if (zswap_load(f)) {
		folio_unlock(f);
		return;
	}
	memcpy(f->data, swap_device[swp_offset(f->swap)], PAGE_SIZE);
	folio_mark_uptodate(f);
	folio_unlock(f);
}

/* do_swap_page()'s SWP_SYNCHRONOUS_IO branch, in 6.12's order: a private
 * folio allocated and charged (the charge may reclaim or fail: the same
 * shim, at pc "sync_alloc"), then the pin, the read into the folio, the map,
 * and the pin cleared at the end.  Steps: SkipSwapcache (to the charge),
 * ChargeOk .. (to the pin), SyncSwapcachePrepare or SwapcacheBusy,
 * SyncMapFolio or SyncPteChanged (read, map, unpin: one step, as the spec's). */
static void kc_do_swap_page_bypass(struct kc_actor *a, swp_entry_t entry)
{
	struct folio *folio;

	a->bypass = true;
	a->events |= E_SKIP_SWAPCACHE;
	/* [6.12 mm/memory.c:4292] "folio = alloc_swap_folio(vmf);" -> __alloc_swap_folio():
	 * [6.12 mm/memory.c:4029-4033] "if (mem_cgroup_swapin_charge_folio(folio, vma->vm_mm, GFP_KERNEL, entry)) { folio_put(folio); return NULL; }" */
	folio = folio_alloc_mpol(GFP_HIGHUSER_MOVABLE, 0, NULL, 0, 0);
	if (mem_cgroup_swapin_charge_folio(folio, NULL, GFP_KERNEL, entry)) {
		folio_put(folio);
		return;		/* VM_FAULT_OOM */
	}
	__folio_set_locked(folio);
	__folio_set_swapbacked(folio);
	/* [6.12 mm/memory.c:4308] "if (swapcache_prepare(entry, nr_pages)) {" then
	 * [6.12 mm/memory.c:4313-4316] "add_wait_queue(&swapcache_wq, &wait); schedule_timeout_uninterruptible(1); remove_wait_queue(&swapcache_wq, &wait);"
	 * (a pause, no loop) and "goto out_page;": the fault backs out */
	if (swapcache_prepare(entry, 1)) {
		a->events |= E_SWAPCACHE_BUSY;
		folio_unlock(folio);
		folio_put(folio);
		return;
	}
	/* [6.12 mm/memory.c:4326] "folio_add_lru(folio);" (the end of SyncSwapcachePrepare), then
	 * [6.12 mm/memory.c:4329-4330] "folio->swap = entry; swap_read_folio(folio, NULL);"
	 * (zswap_load() into a folio not in the swap cache: the entry stays) */
	folio_add_lru(folio);
	folio->swap = entry;
	kc_swap_read_folio(folio);
	// [6.12 mm/memory.c:4366] "ret |= folio_lock_or_retry(folio, vmf);" (a private folio: nobody holds it)
	kc_folio_lock(folio, a->slot);
	/* [6.12 mm/memory.c:4418] "if (unlikely(!vmf->pte || !pte_same(ptep_get(vmf->pte), vmf->orig_pte)))":
	 * the input says whether a UFFDIO_MOVE took the PTE away (the spec's SyncPteChanged) */
	if (a->input == IN_PTE_MOVED) {
		a->events |= E_PTE_CHANGED;
		folio_unlock(folio);
		folio_put(folio);
	} else {
		pte[a->slot] = 0;
		folio->mapcount++;
		a->mapped = kc_decode(folio->data);
		// [6.12 mm/memory.c:4535] "swap_free_nr(entry, nr_pages);"
		swap_free(entry);
		folio_unlock(folio);
	}
	/* [6.12 mm/memory.c:4622-4623] "if (need_clear_cache) { swapcache_clear(si, entry, nr_pages);":
	 * SWAP_HAS_CACHE goes, and the slot is freed if its count went (as put_swap_folio()) */
	put_swap_folio(folio, entry);
}

/* do_swap_page(), the parts the model covers, in 6.12's order. */
static void kc_do_swap_page(struct kc_actor *a)
{
	swp_entry_t entry = swp_entry(0, a->slot);
	struct folio *folio;
	bool allocated;

	kc_yield(P_LOOKUP);
	// [6.12 mm/memory.c:4229] "if (!pte_unmap_same(vmf))"
	if (!kc_pte_same(a)) {
		a->events |= E_PTE_CHANGED;
		return;
	}
	/* [6.12 mm/memory.c:4283] "folio = swap_cache_get_folio(entry, vma, vmf->address);" missed, and
	 * [6.12 mm/memory.c:4289-4290] "if (data_race(si->flags & SWP_SYNCHRONOUS_IO) && __swap_count(entry) == 1) {" */
	if (kc_sync_io && !swap_cache[a->slot] && swap_count[a->slot] == 1) {
		kc_do_swap_page_bypass(a, entry);
		return;
	}
	/* swap_cache_get_folio() and swapin_readahead() -> read_swap_cache_async()
	 * (no readahead) -> __read_swap_cache_async(), which looks the folio up
	 * again and otherwise pins the slot, charges and adds a new folio:
	 * [6.12 mm/memory.c:4334] "folio = swapin_readahead(entry, GFP_HIGHUSER_MOVABLE," */
	folio = __read_swap_cache_async(entry, GFP_HIGHUSER_MOVABLE, NULL, 0, &allocated, false);
	if (!folio)
		return;		/* VM_FAULT_OOM (the charge failed) */
	if (allocated) {
		kc_swap_read_folio(folio);
		/* [6.12 mm/memory.c:4366] "ret |= folio_lock_or_retry(folio, vmf);"
		 * right after the read, in the same step: nobody can take the lock in
		 * between that the spec lets act (spec: "the model keeps it locked"). */
		kc_folio_lock(folio, a->slot);
		kc_yield(P_MAP);
	} else {
		a->hit_folio = folio;
		kc_yield(P_HIT_WAIT);
		// [6.12 mm/memory.c:4366] "ret |= folio_lock_or_retry(folio, vmf);"
		kc_folio_lock(folio, a->slot);
		a->hit_folio = NULL;
		// [6.12 mm/memory.c:4378] "if (unlikely(!folio_test_swapcache(folio) ||"
		if (!folio_test_swapcache(folio) || folio->swap.val != entry.val) {
			a->events |= E_OUT_PAGE | (kc_pte_same(a) ? 0 : E_PTE_CHANGED);
			folio_unlock(folio);
			folio_put(folio);
			return;
		}
	}
	// [6.12 mm/memory.c:4418] "if (unlikely(!vmf->pte || !pte_same(ptep_get(vmf->pte), vmf->orig_pte)))"
	if (!kc_pte_same(a)) {
		a->events |= E_PTE_CHANGED;
		folio_unlock(folio);
		folio_put(folio);
		return;
	}
	// [6.12 mm/memory.c:4421] "if (unlikely(!folio_test_uptodate(folio))) {"
	if (!folio_test_uptodate(folio)) {
		a->events |= E_SIGBUS;
		folio_unlock(folio);
		folio_put(folio);
		return;
	}
	/* map: the PTE now maps the page, not the slot */
	pte[a->slot] = 0;
	folio->mapcount++;
	a->mapped = kc_decode(folio->data);
	// [6.12 mm/memory.c:4535-4537] "swap_free_nr(entry, nr_pages);" ... "if (should_try_to_free_swap(folio, vma, vmf->flags))" ... "folio_free_swap(folio);"
	swap_free(entry);
	if (a->input == IN_FREE_SWAP)	/* should_try_to_free_swap(): an input */
		folio_free_swap(folio);
	folio_unlock(folio);
	/* the mapping keeps the folio's reference */
}

/* The idle actors' guards, which the fibers test (task_main, shrinker_main)
 * and explore() too: a trial of an idle actor whose guard is false is no
 * step, answered without a fork (explore_idle_nostep). */
static bool kc_fault_guard(int s)
{
	/* StartFault(t, s): the task touches the page whose PTE holds slot s */
	return s >= 0 && s < n_slots && pte[s];
}

static bool kc_worker_guard(void)
{
	/* the worker is queued when the pool fills: it has something to walk */
	return !list_empty(&zswap_list_lru.node[0].lru.list);
}

static void task_main(void)
{
	struct kc_actor *a = kc_current;

	__sanitizer_finish_switch_fiber(NULL, &main_stack_bottom, &main_stack_size);
	for (;;) {
		kc_yield(P_IDLE);
		if (!kc_fault_guard(a->input)) {
			a->events |= E_NOSTEP;
			continue;
		}
		a->slot = a->input;
		a->page = pte[a->slot];
		a->fault_active = true;
		a->reclaimed = false;
		a->bypass = false;
		kc_do_swap_page(a);
		a->fault_active = false;
		a->own_folio = NULL;
	}
}

/* shrink_worker(): [6.12 mm/zswap.c:1435] "ret = shrink_memcg(memcg);" once per
 * unit of the scan budget (each shrink_memcg() walks one entry:
 * [6.12 mm/zswap.c:1356] "unsigned long nr_to_walk = 1;"). */
static void shrinker_main(void)
{
	struct kc_actor *a = kc_current;

	__sanitizer_finish_switch_fiber(NULL, &main_stack_bottom, &main_stack_size);
	for (;;) {
		kc_yield(P_IDLE);
		if (!kc_worker_guard()) {
			a->events |= E_NOSTEP;
			continue;
		}
		a->in_walk = true;
		a->budget = scan_budget;
		kc_yield(P_WALK);
		while (a->budget) {
			a->budget--;
			if (shrink_memcg(NULL) == -ENOENT) {	/* nothing scanned: the LRU is empty */
				a->budget++;
				break;
			}
		}
		a->in_walk = false;
	}
}

/* ---- swapoff(2): try_to_unuse()'s swap-ins through the real unuse_pte_range() ---- */

/* The page table of the one mm (kc_stubs.h): page v at address v << PAGE_SHIFT.
 * pte[] stays the truth; the cell is the page's PTE as the code reads it. */
static pte_t kc_pte_cell;
static spinlock_t kc_ptl;
static struct mm_struct kc_mm;
static struct vm_area_struct kc_vma = { .vm_mm = &kc_mm };
static pmd_t kc_pmd;

pte_t *pte_offset_map(pmd_t *pmd, unsigned long addr)
{
	int v = (int)(addr >> PAGE_SHIFT);

	(void)pmd;
	kc_pte_cell = __pte(0);	/* pte_none(): the page was unmapped */
	for (int s = 0; s < n_slots; s++)
		if (pte[s] == v)
			kc_pte_cell = swp_entry_to_pte(swp_entry(0, s));
	if (pte_none(kc_pte_cell) && kc_poisoned[v])
		kc_pte_cell = swp_entry_to_pte(make_poisoned_swp_entry());
	return &kc_pte_cell;
}

pte_t *pte_offset_map_lock(struct mm_struct *mm, pmd_t *pmd, unsigned long addr, spinlock_t **ptlp)
{
	(void)mm;
	*ptlp = &kc_ptl;
	spin_lock(&kc_ptl);
	return pte_offset_map(pmd, addr);
}

/* unuse_pte_range() read the PTE, then [6.12 mm/swapfile.c:2213-2214] "pte_unmap(pte); pte = NULL;"
 * before the lookup: the end of UnuseSlot. */
void pte_unmap(pte_t *pte)
{
	(void)pte;
	if (kc_current->at_pte) {
		kc_current->at_pte = false;
		kc_yield(P_LOOKUP);
	}
}

bool pte_same_as_swp(pte_t pte, pte_t swp_pte)
{
	if (pte.pte != swp_pte.pte)
		kc_current->events |= E_PTE_CHANGED;
	return pte.pte == swp_pte.pte;
}

/* unuse_pte() replaces the page's swap PTE: by the folio (mapped) or by a
 * poisoned entry ([6.12 mm/swapfile.c:2119] "swp_entry = make_poisoned_swp_entry();").
 * Either way the PTE no longer holds the slot. */
void set_pte_at(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t new)
{
	int v = (int)(addr >> PAGE_SHIFT);

	(void)mm;
	*ptep = new;
	for (int s = 0; s < n_slots; s++)
		if (pte[s] == v)
			pte[s] = 0;
	if (is_swap_pte(new) && swp_type(pte_to_swp_entry(new)) == SWP_PTE_MARKER) {
		kc_poisoned[v] = true;
		kc_current->events |= E_POISON;
	} else if (pte_present(new)) {
		kc_current->mapped = kc_decode(((struct folio *)(new.pte & ~3UL))->data);
	}
}

/* swap_cache_get_folio(): [6.12 mm/swap_state.c:356] "folio = filemap_get_folio(swap_address_space(entry), swap_cache_index(entry));"
 * (its readahead statistics left out).  A folio found is the spec's
 * SwapCacheHit: the step ends before unuse_pte_range()'s folio_lock(). */
struct folio *swap_cache_get_folio(swp_entry_t entry, struct vm_area_struct *vma, unsigned long addr)
{
	struct folio *folio = filemap_get_folio(swap_address_space(entry), swap_cache_index(entry));

	(void)vma; (void)addr;
	if (IS_ERR(folio))
		return NULL;
	kc_current->hit_folio = folio;
	kc_yield(P_HIT_WAIT);
	return folio;
}

/* unuse_pte_range() reads si->swap_map[] after a failed swap-in: the use
 * count, with SWAP_HAS_CACHE (0x40) */
static void kc_sync_swap_map(void)
{
	for (int s = 0; s < n_slots; s++)
		kc_swap_map[s] = (unsigned char)(swap_count[s] | (swap_has_cache[s] ? 0x40 : 0));
}

/* swapin_readahead() without readahead (as the fault's driver): read_swap_cache_async()
 * -> __read_swap_cache_async() (pin, charge, add), then swap_read_folio(). */
struct folio *swapin_readahead(swp_entry_t entry, gfp_t gfp, struct vm_fault *vmf)
{
	struct folio *folio;
	bool allocated;

	(void)vmf;
	folio = __read_swap_cache_async(entry, gfp, NULL, 0, &allocated, false);
	if (folio && !allocated)
		kc_bug("swapin_readahead: a folio appeared right after swap_cache_get_folio() missed", __FILE__, __LINE__);
	if (folio) {
		kc_swap_read_folio(folio);
		kc_current->read_done = true;
	}
	kc_sync_swap_map();
	return folio;
}

/* si->inuse_pages: slots with a use count or SWAP_HAS_CACHE */
static bool kc_swap_in_use(void)
{
	for (int s = 0; s < n_slots; s++)
		if (swap_count[s] || swap_has_cache[s])
			return true;
	return false;
}

/* swapoff(2) of the one device, the parts the model covers:
 * [6.12 mm/swapfile.c:2818] "p->flags &= ~SWP_WRITEOK;" then
 * [6.12 mm/swapfile.c:2822] "disable_swap_slots_cache_lock();" and
 * [6.12 mm/swapfile.c:2825] "err = try_to_unuse(p->type);", whose unuse_mm()
 * walks the page table down to the real unuse_pte_range() (the input: which
 * page's PTE next, one page's range at a time; the spec takes them in any
 * order).  On failure (its swap-in's charge failed: -ENOMEM)
 * [6.12 mm/swapfile.c:2828-2831] "if (err) {" ... "reinsert_swap_info(p); reenable_swap_slots_cache_unlock();"
 * Once no slot is in use (try_to_unuse()'s si->inuse_pages == 0) and no
 * fault holds a get_swap_device() reference, [6.12 mm/swapfile.c:2835] "reenable_swap_slots_cache_unlock();"
 * then [6.12 mm/swapfile.c:2845-2847] "percpu_ref_kill(&p->users); synchronize_rcu(); wait_for_completion(&p->comp);"
 * and [6.12 mm/swapfile.c:2886] "zswap_swapoff(p->type);" (real). */
static void swapoff_main(void)
{
	struct kc_actor *a = kc_current;

	__sanitizer_finish_switch_fiber(NULL, &main_stack_bottom, &main_stack_size);
	for (;;) {
		kc_yield(P_IDLE);
		a->phase = PH_UNUSE;
		kc_swap_writeok = false;
		swap_slot_cache_enabled = false;
		for (;;) {
			unsigned long addr;
			int s, ret;

			kc_yield(P_UNUSE);
			s = a->input;
			if (s == n_slots) {
				bool faulting = false;

				for (int i = 0; i < n_tasks; i++)
					faulting |= actors[i].fault_active;
				if (kc_swap_in_use() || faulting) {
					a->events |= E_NOSTEP;
					continue;
				}
				swap_slot_cache_enabled = true;
				kc_device_gone = true;
				zswap_swapoff(0);
				a->phase = PH_OFF;
				for (;;) {
					kc_yield(P_OFF);
					a->events |= E_NOSTEP;	/* the device stays off (no swapon) */
				}
			}
			/* UnuseSlot(s): the PTE of the page that slot s holds */
			if (s < 0 || s >= n_slots || swap_count[s] != 1 || !pte[s]) {
				a->events |= E_NOSTEP;
				continue;
			}
			a->slot = s;
			a->page = pte[s];
			a->fault_active = true;
			a->reclaimed = false;
			a->at_pte = true;
			addr = (unsigned long)a->page << PAGE_SHIFT;
			ret = unuse_pte_range(&kc_vma, &kc_pmd, addr, addr + PAGE_SIZE, 0);
			a->fault_active = false;
			a->own_folio = NULL;
			if (ret) {
				/* try_to_unuse() failed (-ENOMEM): the device is back */
				kc_swap_writeok = true;
				swap_slot_cache_enabled = true;
				a->phase = PH_NONE;
				break;
			}
		}
	}
}

/* ---- the environment: zswap_store, munmap, reclaim of clean folios -------- */

/* SwapOut(s, v): swap_writepage() -> zswap_store() of a page in free slot s. */
static void env_swap_out(int s, int v)
{
	struct folio *f = calloc(1, sizeof(*f));
	bool stored;

	f->data = calloc(1, PAGE_SIZE);
	f->refcount = 1;
	kc_fill(f->data, v);
	f->swap = swp_entry(0, s);
	f->flags = (1UL << PG_locked) | (1UL << PG_swapcache) | (1UL << PG_uptodate);
	swap_count[s] = 1;	/* the PTE's reference; the folio's pin is gone after reclaim */
	pte[s] = v;
	kc_poisoned[v] = false;	/* a new page with this data */
	stored = zswap_store(f);
	if (!stored)
		kc_bug("zswap_store failed", __FILE__, __LINE__);
	free(f->data);
	free(f);
}

/* FreeSlot(s): zap_pte_range() -> free_swap_and_cache(): the use count goes;
 * the slot is freed (zswap_invalidate) only if no folio holds SWAP_HAS_CACHE. */
static void env_free_slot(int s)
{
	pte[s] = 0;
	swap_free(swp_entry(0, s));
}

/* DropCleanFolio(s): shrink_folio_list() -> __remove_mapping():
 * [6.12 mm/vmscan.c:770-772] "__delete_from_swap_cache(folio, swap, shadow);" ... "put_swap_folio(folio, swap);" */
static void env_drop_clean_folio(int s)
{
	struct folio *f = swap_cache[s];
	swp_entry_t e = f->swap;

	kc_delete_from_cache(f);
	put_swap_folio(f, e);
	folio_put(f);	/* the swap cache's reference; a mapped folio lives on in its PTEs */
}

/* A task faults on slot s, or swapoff's unuse_pte_range() swaps it in
 * (both hold the mm's mmap_lock for read: [6.12 mm/swapfile.c:2342] "mmap_read_lock(mm);") */
static bool faults_on(int s)
{
	for (int i = 0; i < n_actors; i++)
		if (actors[i].fault_active && actors[i].slot == s)
			return true;
	return false;
}

/* Where observe() and kc_key() write: stdout, or a trial's record (explore). */
static FILE *kc_out;

/* ---- observation ---------------------------------------------------------- */

/* The folio a fault found has left the swap cache (the spec's pc "hit_gone"):
 * the same test do_swap_page() makes once it has the lock.  Still locked, it
 * is the spec's pc "hit_stranded": every code path of this build that deletes
 * a folio from the swap cache unlocks it before its next kc_yield(), so at a
 * step boundary a locked folio out of the swap cache has nobody left to
 * unlock it (only a patch that drops the unlock, e3b63e966cac, makes one). */
static bool kc_hit_folio_gone(struct kc_actor *a)
{
	return !folio_test_swapcache(a->hit_folio) || a->hit_folio->swap.val != swp_entry(0, a->slot).val;
}

static const char *pc_of(struct kc_actor *a)
{
	if (a->bypass) {	/* the SWP_SYNCHRONOUS_IO bypass's pcs */
		switch (a->point) {
		case P_CHARGE_RETRY: return "sync_alloc_retry";
		case P_ADD: return "sync_prepare";
		case P_READ: return "sync_read";
		default: return "sync_alloc";	/* its charge, or in the reclaim walk of its charge */
		}
	}
	switch (a->point) {
	case P_LOOKUP: return "lookup";
	case P_HIT_WAIT:
		if (!kc_hit_folio_gone(a))
			return "hit_wait";
		return folio_test_locked(a->hit_folio) ? "hit_stranded" : "hit_gone";
	case P_CHARGE: return "charge";
	case P_CHARGE_RETRY: return "charge_retry";
	case P_ADD: return "add";
	case P_READ: return "read";
	case P_MAP: return "map";
	default: return "charge";	/* in its reclaim walk */
	}
}

static void observe(void)
{
	fprintf(kc_out, "{\"swap_map\":[");
	for (int s = 0; s < n_slots; s++)
		fprintf(kc_out, "%s[%d,%d]", s ? "," : "", swap_count[s], swap_has_cache[s]);
	fprintf(kc_out, "],\"swapped_page\":[");
	for (int s = 0; s < n_slots; s++)
		fprintf(kc_out, "%s%d", s ? "," : "", pte[s]);
	fprintf(kc_out, "],\"swap_cache\":[");
	for (int s = 0; s < n_slots; s++) {
		struct folio *f = swap_cache[s];

		if (f)
			fprintf(kc_out, "%s[%d,%d,%d]", s ? "," : "", folio_test_locked(f), folio_test_uptodate(f),
			       kc_decode(f->data));
		else
			fprintf(kc_out, "%snull", s ? "," : "");
	}
	fprintf(kc_out, "],\"zswap_tree\":[");
	for (int s = 0; s < n_slots; s++) {
		struct zswap_entry *e = kc_tree_entry(s);

		if (e)
			fprintf(kc_out, "%s[%lu,%d,%d]", s ? "," : "", swp_offset(e->swpentry),
			       kc_decode((u8 *)e->handle), e->referenced);
		else
			fprintf(kc_out, "%snull", s ? "," : "");
	}
	fprintf(kc_out, "],\"zswap_lru\":[");
	{
		struct list_head *head = &zswap_list_lru.node[0].lru.list, *p;
		bool first = true;

		for (p = head->next; p != head; p = p->next) {
			struct zswap_entry *e = kc_entry_of(p);

			fprintf(kc_out, "%s[%lu,%d]", first ? "" : ",", swp_offset(e->swpentry), kc_decode((u8 *)e->handle));
			first = false;
		}
	}
	fprintf(kc_out, "],\"swap_device\":[");
	for (int s = 0; s < n_slots; s++)
		fprintf(kc_out, "%s%d", s ? "," : "", kc_decode(swap_device[s]));
	fprintf(kc_out, "],\"stack\":[");
	for (int i = 0; i < n_actors; i++) {
		struct kc_actor *a = &actors[i];
		bool first = true;

		fprintf(kc_out, "%s[", i ? "," : "");
		if (a->is_swapoff && a->phase != PH_NONE) {
			fprintf(kc_out, "[\"swapoff\",\"%s\"]", a->phase == PH_UNUSE ? "unuse" : "off");
			first = false;
		}
		if ((a->is_task || a->is_swapoff) && a->fault_active) {
			fprintf(kc_out, "%s[\"do_swap_page\",%d,%d,\"%s\"]", first ? "" : ",", a->slot, a->page, pc_of(a));
			first = false;
		}
		if (a->in_walk) {
			unsigned long budget;

			if (a->sc)	/* a task's or swapoff's reclaim */
				budget = (a->stop_flag && *a->stop_flag) ? 0 : a->sc->nr_to_scan;
			else
				budget = a->budget;
			fprintf(kc_out, "%s[\"shrink_memcg_cb\",%lu]", first ? "" : ",", budget);
			first = false;
		}
		if (a->wb_active)
			fprintf(kc_out, "%s[\"zswap_writeback_entry\",%d,%d,\"%s\"]", first ? "" : ",", a->wb_slot, a->wb_data,
			       a->point == P_WB_WRITE ? "write" : "prepare");
		fprintf(kc_out, "]");
	}
	fprintf(kc_out, "]}\n");
}

/* ---- the state key ---------------------------------------------------------- */

/* kc_key(): the whole state of the C that its future behaviour depends on,
 * as one line of text, canonical up to the addresses of heap objects: two
 * states with the same key behave the same under every command (README.md,
 * "The state key", says why each part is there and why nothing else is
 * needed).  Folios and zswap entries are named by the order in which a fixed
 * traversal first meets them (slots' swap-cache folios, the tree's entries,
 * the LRU, then each actor's references) and their fields are printed at
 * that first meeting; later meetings print the name only, so which root
 * shares which object is part of the key.  A reference to freed memory (ASan
 * poisons it) is printed as such, never followed.  Left out, because nothing
 * reads them: the statistics counters (zswap_stored_pages,
 * zswap_written_back_pages, zswap_reject_*: only incremented or decremented),
 * each task's `mapped` (an output of the "mapped" command only). */
static u8 *kc_version_page[KC_MAX_VERSIONS + 1];	/* the exact bytes of each version (built at init) */
static const void *kc_seen_folio[4 * KC_MAX_SLOTS + 4 * KC_MAX_ACTORS];
static const void *kc_seen_entry[4 * KC_MAX_SLOTS + 4 * KC_MAX_ACTORS];
static int kc_n_folios, kc_n_entries;

static void kc_key_data(const u8 *page, size_t len)
{
	bool zero = true;
	u64 h = 1469598103934665603ULL;

	if (len == PAGE_SIZE)
		for (int v = 1; v <= n_versions; v++)
			if (!memcmp(page, kc_version_page[v], PAGE_SIZE)) {
				fprintf(kc_out, "v%d", v);
				return;
			}
	for (size_t i = 0; i < len; i++) {
		zero &= !page[i];
		h = (h ^ page[i]) * 1099511628211ULL;
	}
	/* bytes of no version are a kernel BUG that observe() reports; a hash
	 * keeps the key short if a private folio holds some */
	if (zero)
		fprintf(kc_out, "z%zu", len);
	else
		fprintf(kc_out, "x%zu.%llx", len, (unsigned long long)h);
}

/* Whether the object at p is live heap memory we may read (else: freed). */
static bool kc_live(const void *p, size_t size)
{
	return !__asan_region_is_poisoned((void *)p, size);
}

static int kc_seen(const void **seen, int *n, const void *p)
{
	for (int i = 0; i < *n; i++)
		if (seen[i] == p)
			return i;
	if (*n == 4 * KC_MAX_SLOTS + 4 * KC_MAX_ACTORS)
		kc_bug("state key: too many objects", __FILE__, __LINE__);
	seen[*n] = p;
	return -1 - (*n)++;	/* new: -1 - its number */
}

static void kc_key_folio(const struct folio *f)
{
	int id;

	if (!f) {
		fprintf(kc_out, "-");
		return;
	}
	id = kc_seen(kc_seen_folio, &kc_n_folios, f);
	if (id >= 0) {
		fprintf(kc_out, "f%d", id);
		return;
	}
	if (!kc_live(f, sizeof(*f)) || !kc_live(f->data, PAGE_SIZE)) {
		fprintf(kc_out, "f%d(freed)", -1 - id);
		return;
	}
	fprintf(kc_out, "f%d(%lx,%d,%d,%lx,", -1 - id, f->flags, f->refcount, f->mapcount, f->swap.val);
	kc_key_data(f->data, PAGE_SIZE);
	fprintf(kc_out, ")");
}

static void kc_key_entry(const struct zswap_entry *e)
{
	int id;

	if (!e) {
		fprintf(kc_out, "-");
		return;
	}
	id = kc_seen(kc_seen_entry, &kc_n_entries, e);
	if (id >= 0) {
		fprintf(kc_out, "e%d", id);
		return;
	}
	if (!kc_live(e, sizeof(*e))) {
		fprintf(kc_out, "e%d(freed)", -1 - id);
		return;
	}
	fprintf(kc_out, "e%d(%lx,%u,%d,%d,%lx,%d,", -1 - id, e->swpentry.val, e->length, e->referenced,
	       e->pool == &kc_pool, (unsigned long)e->objcg, !list_empty(&e->lru));
	if (e->handle && kc_live((void *)e->handle, e->length))
		kc_key_data((const u8 *)e->handle, e->length);
	else
		fprintf(kc_out, "h%lx", e->handle ? 1UL : 0UL);
	fprintf(kc_out, ")");
}

static void kc_key(bool newline)
{
	struct list_head *head = &zswap_list_lru.node[0].lru.list, *p;

	kc_n_folios = kc_n_entries = 0;
	fprintf(kc_out, "S");
	for (int s = 0; s < n_slots; s++)
		fprintf(kc_out, "%s%d.%d.%d", s ? "," : "", swap_count[s], swap_has_cache[s], pte[s]);
	fprintf(kc_out, ";C");
	for (int s = 0; s < n_slots; s++) {
		fprintf(kc_out, s ? "," : "");
		kc_key_folio(swap_cache[s]);
	}
	fprintf(kc_out, ";D");
	for (int s = 0; s < n_slots; s++) {
		fprintf(kc_out, s ? "," : "");
		kc_key_data(swap_device[s], PAGE_SIZE);
	}
	fprintf(kc_out, ";T");
	for (int s = 0; s < n_slots; s++) {
		fprintf(kc_out, s ? "," : "");
		kc_key_entry(kc_tree_entry(s));
	}
	fprintf(kc_out, ";L");
	for (p = head->next; p != head; p = p->next) {
		kc_key_entry(kc_entry_of(p));
		fprintf(kc_out, ",");
	}
	/* kc_lru_node.nr_items is left out: nothing reads it (list_lru_count_node() is not in
	 * the build), and it drifts below zero (README, finding 3) */
	fprintf(kc_out, "%ld.%d.%d%d%d", kc_lru_node.lru.nr_items, kc_lru_node.lock.held,
	       zswap_pool_reached_full, zswap_enabled, zswap_shrinker_enabled);
	/* the device (swapoff): SWP_WRITEOK, get_swap_device() killed, the
	 * slots cache, the trees (zswap_swapoff() freed them); kc_poisoned[] is
	 * left out: an output (pte_offset_map() reads it only for a page no
	 * slot's PTE is, where it answers "not this swap entry" either way) */
	fprintf(kc_out, ";O%d%d%d%d", kc_swap_writeok, kc_device_gone, swap_slot_cache_enabled,
		zswap_trees[0] != NULL);
	for (int i = 0; i < n_actors; i++) {
		struct kc_actor *a = &actors[i];

		fprintf(kc_out, ";A%d.%d", i, a->point);
		if (a->is_swapoff)
			fprintf(kc_out, ".P%d", a->phase);
		if (a->fault_active) {
			fprintf(kc_out, ".F%d.%d%s", a->slot, a->page, a->bypass ? ".y" : "");
			/* read only by the charge's loop: live while the fault is in it */
			if (a->point == P_CHARGE || a->point == P_CHARGE_RETRY || a->in_walk)
				fprintf(kc_out, ".r%d", a->reclaimed);
			if (a->point == P_HIT_WAIT) {
				fprintf(kc_out, ".h");
				kc_key_folio(a->hit_folio);
			}
			if (a->own_folio) {
				fprintf(kc_out, ".o");
				kc_key_folio(a->own_folio);
			}
		}
		if (a->in_walk) {
			fprintf(kc_out, ".W");
			if (a->sc)
				fprintf(kc_out, "%lu.%lu.%d", a->reclaim_budget, a->sc->nr_to_scan,
				       a->stop_flag ? *a->stop_flag : -1);
			else
				fprintf(kc_out, "%lu", a->budget);
			fprintf(kc_out, ".%d", a->walk_stopped);
			if (a->relock)
				fprintf(kc_out, ".R%d", a->wb_result);
			if (a->wb_active) {
				fprintf(kc_out, ".B%d.%d.", a->wb_slot, a->wb_data);
				kc_key_entry(a->wb_entry);
				fprintf(kc_out, ".");
				kc_key_folio(a->wb_folio);
			}
		}
	}
	if (newline)
		fprintf(kc_out, "\n");
}

/* ---- the protocol --------------------------------------------------------- */

static void kc_init_actor(struct kc_actor *a, int id, bool is_task, bool is_swapoff)
{
	a->id = id;
	a->is_task = is_task;
	a->is_swapoff = is_swapoff;
	a->stack = malloc(KC_STACK);
	getcontext(&a->ctx);
	a->ctx.uc_stack.ss_sp = a->stack;
	a->ctx.uc_stack.ss_size = KC_STACK;
	a->ctx.uc_link = NULL;
	makecontext(&a->ctx, is_task ? task_main : is_swapoff ? swapoff_main : shrinker_main, 0);
	kc_run(a, 0);	/* to its idle point */
}

static int inputs_of(struct kc_actor *a, int *in)
{
	int n = 0;

	switch (a->point) {
	case P_UNUSE:	/* UnuseSlot(s), or n_slots: ZswapSwapoff */
		for (int s = 0; s <= n_slots; s++)
			in[n++] = s;
		break;
	case P_HIT_WAIT: case P_MAP:
		if (a->is_swapoff) {	/* unuse_pte_range() always calls folio_free_swap() */
			in[n++] = IN_GO;
			break;
		}
		in[n++] = IN_KEEP_CACHE; in[n++] = IN_FREE_SWAP;
		break;
	case P_IDLE:
		if (a->is_task)
			for (int s = 0; s < n_slots; s++)
				in[n++] = s;
		else
			in[n++] = IN_GO;
		break;
	case P_CHARGE:
		in[n++] = IN_CHARGE_OK; in[n++] = IN_CHARGE_RECLAIM; in[n++] = IN_CHARGE_FAIL;
		break;
	case P_CHARGE_RETRY:
		in[n++] = IN_CHARGE_OK; in[n++] = IN_CHARGE_FAIL;
		break;
	case P_READ:
		in[n++] = IN_GO;
		if (a->bypass)	/* SyncMapFolio, or a UFFDIO_MOVE first: SyncPteChanged */
			in[n++] = IN_PTE_MOVED;
		break;
	case P_WB_PREPARE:
		in[n++] = IN_ALLOC_OK; in[n++] = IN_ALLOC_FAIL;
		break;
	default:
		in[n++] = IN_GO;
	}
	return n;
}

static void trials(void)
{
	bool first = true;

	printf("[");
	for (int i = 0; i < n_actors; i++) {
		struct kc_actor *a = &actors[i];
		int in[KC_MAX_SLOTS + 4], n = inputs_of(a, in);

		for (int k = 0; k < n; k++) {
			int fds[2];
			pid_t pid;
			char buf[128];
			ssize_t got;
			int status;

			if (pipe(fds))
				kc_bug("pipe", __FILE__, __LINE__);
			fflush(stdout);
			pid = fork();
			if (pid == 0) {
				enum kc_point start = a->point;
				int len;

				close(fds[0]);
				alarm(10);	/* a runaway loop in the code under test */
				kc_run(a, in[k]);
				len = snprintf(buf, sizeof(buf), "%s %s %u %d", point_name[start],
					       point_name[a->point], a->events, a->block_slot);
				if (write(fds[1], buf, len) != len)
					_exit(4);
				_exit(0);
			}
			close(fds[1]);
			got = read(fds[0], buf, sizeof(buf) - 1);
			close(fds[0]);
			waitpid(pid, &status, 0);
			if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
				printf("%s{\"actor\":%d,\"input\":%d,\"crash\":%d}", first ? "" : ",", i, in[k],
				       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			} else {
				char s0[32], s1[32];
				unsigned ev;
				int bs;

				buf[got] = 0;
				sscanf(buf, "%31s %31s %u %d", s0, s1, &ev, &bs);
				printf("%s[%d,%d,\"%s\",\"%s\",%u,%d]", first ? "" : ",", i, in[k], s0, s1, ev, bs);
			}
			first = false;
		}
	}
	printf("]\n");
}

static bool env_allowed(const char *name, int s);
static bool kc_env_guard_refcount;	/* KC_ENV_GUARD=refcount */

/* ---- explore: the trials, with the states they lead to, and the states beyond ---- */

/* The spec's fresh versions (Zswap.tla Referenced(v)): those no part of the
 * observed state holds; SwapOut is tried with these (the first only when the
 * model says FRESH first). */
static void kc_fresh_versions(bool first, bool *fresh)
{
	bool used[KC_MAX_VERSIONS + 1] = { false };

	for (int s = 0; s < n_slots; s++) {
		struct zswap_entry *e = kc_tree_entry(s);

		used[pte[s]] = true;
		used[kc_decode(swap_device[s])] = true;
		if (e)
			used[kc_decode((u8 *)e->handle)] = true;
		if (swap_cache[s])
			used[kc_decode(swap_cache[s]->data)] = true;
	}
	for (struct list_head *h = &zswap_list_lru.node[0].lru.list, *p = h->next; p != h; p = p->next)
		used[kc_decode((u8 *)kc_entry_of(p)->handle)] = true;
	for (int i = 0; i < n_actors; i++) {
		if (actors[i].fault_active)
			used[actors[i].page] = true;
		if (actors[i].in_walk && actors[i].wb_active)
			used[actors[i].wb_data] = true;
	}
	for (int v = 1; v <= n_versions; v++) {
		fresh[v] = !used[v];
		if (fresh[v] && first) {
			for (int w = v + 1; w <= n_versions; w++)
				fresh[w] = false;
			break;
		}
	}
}

/* The protocol's text (explore's record, a key, a state) is built in static
 * buffers, not on the heap: ASan's quarantine keeps every freed chunk, so a
 * memstream per answer grew the explorer process by ~40 KB an explore
 * (measured), and every later fork() copied the page-table entries of that
 * memory and every trial child tore them down (README, Benchmarks). */
enum { KC_TEXT_RECORD, KC_TEXT_KEY, KC_TEXT_STATE, KC_TEXT_NR };
#define KC_TEXT (1 << 20)
static char kc_text[KC_TEXT_NR][KC_TEXT];
static FILE *kc_text_file[KC_TEXT_NR];

/* A stream writing into buf, whose stdio buffer is static too: glibc would
 * malloc it at the first write, in every trial child for a stream the
 * explorer itself never writes (the state's, the answer's). */
static FILE *kc_memstream(char *buf, size_t size, char *stdio_buf)
{
	FILE *f = fmemopen(buf, size, "w");

	if (!f || setvbuf(f, stdio_buf, _IOFBF, BUFSIZ))
		kc_bug("fmemopen", __FILE__, __LINE__);
	return f;
}

static FILE *kc_text_begin(int which)
{
	static char stdio_buf[KC_TEXT_NR][BUFSIZ];

	if (!kc_text_file[which])
		kc_text_file[which] = kc_memstream(kc_text[which], KC_TEXT, stdio_buf[which]);
	rewind(kc_text_file[which]);
	return kc_text_file[which];
}

/* The text written since kc_text_begin(which), NUL-terminated (valid until the next begin). */
static char *kc_text_end(int which, size_t *len)
{
	long n;

	fflush(kc_text_file[which]);
	n = ftell(kc_text_file[which]);
	if (n < 0 || n >= KC_TEXT - 1)
		kc_bug("protocol text does not fit its buffer", __FILE__, __LINE__);
	kc_text[which][n] = 0;
	*len = (size_t)n;
	return kc_text[which];
}

/* The key or the observed state, as a string (no newline; valid until the next capture into `which`). */
static char *kc_capture(void (*print)(void), size_t *len, int which)
{
	char *buf;
	size_t n;

	kc_out = kc_text_begin(which);
	print();
	kc_out = stdout;
	buf = kc_text_end(which, &n);
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	*len = n;
	return buf;
}

static void kc_key_line(void) { kc_key(false); }

struct kc_trial {
	int actor, input, s, v;
	const char *env;
	pid_t pid;	/* 0: answered without a fork */
	int slot;	/* its answer's slot */
};

/* A trial child's answer goes to memory shared with the explorer, which
 * reads it once the child has exited: one wake-up of the explorer a trial
 * (waitpid), no pipe to make and close, and a child that never touches
 * stdout.  Each trial of a batch (explore_all) has its own slot.  Each
 * explorer maps its own area (a copy forked from it maps another, so
 * explorers that run at once never share one).  A slot is "" until
 * written. */
#define KC_SLOT (1 << 16)	/* a trial's answer, at most */
#define KC_SLOTS 16
static char *kc_answer;	/* KC_SLOTS slots of KC_SLOT bytes, shared */
static char kc_answer_text[KC_SLOT];	/* the child writes its answer here, then copies it to its slot */
static FILE *kc_answer_file;	/* writes into kc_answer_text */
static pid_t kc_answer_owner;
static int kc_answer_slot;	/* in a trial child: its slot */

static void kc_answer_map(void)
{
	static char stdio_buf[BUFSIZ];

	if (!kc_answer_file)
		kc_answer_file = kc_memstream(kc_answer_text, KC_SLOT, stdio_buf);
	if (kc_answer_owner == getpid())
		return;
	if (kc_answer)
		munmap(kc_answer, (size_t)KC_SLOTS * KC_SLOT);
	kc_answer = mmap(NULL, (size_t)KC_SLOTS * KC_SLOT, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (kc_answer == MAP_FAILED)
		kc_bug("mmap", __FILE__, __LINE__);
	kc_answer_owner = getpid();
}

/* The child's end of a trial: the answer, NUL-terminated, into its slot, then exit. */
static void __attribute__((noreturn)) kc_answer_exit(void)
{
	long len;

	fputc(0, kc_answer_file);
	fflush(kc_answer_file);
	len = ftell(kc_answer_file);
	if (ferror(kc_answer_file) || len <= 0 || len >= KC_SLOT)
		_exit(4);	/* does not fit: reported as a crash of the trial */
	memcpy(kc_answer + (size_t)kc_answer_slot * KC_SLOT, kc_answer_text, (size_t)len);
	_exit(0);
}

/* One trial in a fork()ed child: its segment (or environment step) and,
 * unless it is no step, the key and state it leads to. */
static void explore_start(struct kc_trial *t)
{
	kc_answer_slot = t->slot;
	kc_answer[(size_t)t->slot * KC_SLOT] = 0;
	t->pid = fork();
	if (t->pid < 0)
		kc_bug("fork", __FILE__, __LINE__);
	if (t->pid == 0) {
		FILE *out = kc_answer_file;
		char *key, *state;
		size_t key_len, state_len;

		alarm(10);	/* a runaway loop in the code under test */
		if (t->env) {
			kc_current = &env_actor;
			if (!strcmp(t->env, "SwapOut"))
				env_swap_out(t->s, t->v);
			else if (!strcmp(t->env, "FreeSlot"))
				env_free_slot(t->s);
			else
				env_drop_clean_folio(t->s);
			kc_current = NULL;
			fprintf(out, "{\"env\":[\"%s\",%d,%d],\"key\":\"", t->env, t->s, t->v);
		} else {
			struct kc_actor *a = &actors[t->actor];
			enum kc_point start = a->point;

			kc_run(a, t->input);
			fprintf(out, "[%d,%d,\"%s\",\"%s\",%u,%d", t->actor, t->input, point_name[start],
				point_name[a->point], a->events, a->block_slot);
			if (a->point == P_BLOCKED || (a->events & E_NOSTEP)) {
				fprintf(out, ",null,null]");
				kc_answer_exit();
			}
			fprintf(out, ",\"");
		}
		key = kc_capture(kc_key_line, &key_len, KC_TEXT_KEY);
		state = kc_capture(observe, &state_len, KC_TEXT_STATE);
		fprintf(out, "%s%s%s%s", key, t->env ? "\",\"state\":" : "\",", state, t->env ? "}" : "]");
		kc_answer_exit();
	}
}

static bool kc_explore_crashed;	/* a trial of this explore crashed: the rest are not reported */
static bool kc_fork_every_trial;	/* KC_FORK_EVERY_TRIAL=1: no shortcut (explore_idle_nostep) */

static void explore_finish(struct kc_trial *t, FILE *rec, bool *first)
{
	int status;

	waitpid(t->pid, &status, 0);
	fprintf(rec, "%s", *first ? "" : ",");
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !kc_answer[(size_t)t->slot * KC_SLOT]) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

		kc_explore_crashed = true;	/* its report stays the last thing on stderr */
		if (t->env)
			fprintf(rec, "{\"env\":[\"%s\",%d,%d],\"crash\":%d}", t->env, t->s, t->v, code);
		else
			fprintf(rec, "{\"actor\":%d,\"input\":%d,\"crash\":%d}", t->actor, t->input, code);
	} else {
		fputs(kc_answer + (size_t)t->slot * KC_SLOT, rec);
	}
	*first = false;
}

/* A trial of an idle actor whose guard is false: the fiber would set E_NOSTEP
 * and stop at P_IDLE again, changing nothing (task_main, shrinker_main), so
 * its row is written here, as explore_start's child writes it, without a fork
 * (a fork of this ASan process costs ~0.5 ms: README, Benchmarks). */
static bool kc_idle_nostep(const struct kc_trial *t)
{
	const struct kc_actor *a;

	if (t->env || kc_fork_every_trial)
		return false;
	a = &actors[t->actor];
	if (a->is_swapoff)	/* swapoff_main has guards of its own: always a trial */
		return false;
	return a->point == P_IDLE && !(a->is_task ? kc_fault_guard(t->input) : kc_worker_guard());
}

static void explore_idle_nostep(const struct kc_trial *t, FILE *rec, bool *first)
{
	fprintf(rec, "%s[%d,%d,\"%s\",\"%s\",%u,%d,null,null]", *first ? "" : ",", t->actor, t->input,
		point_name[P_IDLE], point_name[P_IDLE], (unsigned)E_NOSTEP, actors[t->actor].block_slot);
	*first = false;
}

/* The trials of a batch run at once: all forked, then reaped and written in
 * order.  On two cores the children overlap with each other and with the
 * explorer's next fork (rotate suite, four alternating pairs at load ~2:
 * 4.44-4.63 s wall one at a time, 4.16-4.24 s at once, the same CPU;
 * session 12 measured the opposite, with explorers bloated by the init
 * leak: README, Benchmarks).  After a crash the rest are reaped and left
 * out of the record, as if not tried; a second crash's report may then
 * follow the first's on stderr. */
static void explore_all(struct kc_trial *t, int n, FILE *rec)
{
	bool first = true;

	for (int from = 0; from < n && !kc_explore_crashed; from += KC_SLOTS) {
		int to = from + KC_SLOTS < n ? from + KC_SLOTS : n, slot = 0;

		for (int i = from; i < to; i++) {
			t[i].pid = 0;
			if (kc_idle_nostep(&t[i]))
				continue;
			t[i].slot = slot++;
			explore_start(&t[i]);
		}
		for (int i = from; i < to; i++) {
			int status;

			if (kc_explore_crashed) {
				if (t[i].pid)
					waitpid(t[i].pid, &status, 0);
			} else if (!t[i].pid) {
				explore_idle_nostep(&t[i], rec, &first);
			} else {
				explore_finish(&t[i], rec, &first);
			}
		}
	}
}

/* explore first|any: this state's record, one line:
 * {"key":..., "trials":[[actor,input,start,end,events,block_slot,key|null,state|null],...],
 *  "env":[[name,s],...], "envsucc":[{"env":[name,s,v],"key":...,"state":...},...]}
 * (SwapOut is tried with the fresh versions, or the first of them) */
static void explore(const char *args)
{
	static const char *const env_names[] = { "SwapOut", "FreeSlot", "DropCleanFolio" };
	struct kc_trial t[KC_MAX_ACTORS * (KC_MAX_SLOTS + 4) + KC_MAX_SLOTS * (KC_MAX_VERSIONS + 2)];
	bool fresh[KC_MAX_VERSIONS + 1] = { false };
	char *buf, *key;
	size_t len, key_len;
	FILE *rec;
	bool first = true;
	int n = 0;

	kc_explore_crashed = false;
	kc_answer_map();
	for (int i = 0; i < KC_TEXT_NR; i++)	/* opened here, not in every trial child */
		kc_text_begin(i);
	key = kc_capture(kc_key_line, &key_len, KC_TEXT_KEY);
	kc_fresh_versions(!strncmp(args + strspn(args, " "), "first", 5), fresh);
	for (int i = 0; i < n_actors; i++) {
		int in[KC_MAX_SLOTS + 4], k = inputs_of(&actors[i], in);

		for (int j = 0; j < k; j++)
			t[n++] = (struct kc_trial){ .actor = i, .input = in[j] };
	}
	rec = kc_text_begin(KC_TEXT_RECORD);
	fprintf(rec, "{\"key\":\"%s\",\"trials\":[", key);
	explore_all(t, n, rec);
	fprintf(rec, "],\"env\":[");
	n = 0;
	for (int s = 0; s < n_slots; s++)
		for (int e = 0; e < 3; e++) {
			if (!env_allowed(env_names[e], s))
				continue;
			fprintf(rec, "%s[\"%s\",%d]", first ? "" : ",", env_names[e], s);
			first = false;
			if (e == 0) {
				for (int v = 1; v <= n_versions; v++)
					if (fresh[v])
						t[n++] = (struct kc_trial){ .actor = -1, .env = env_names[e], .s = s, .v = v };
			} else {
				t[n++] = (struct kc_trial){ .actor = -1, .env = env_names[e], .s = s };
			}
		}
	fprintf(rec, "],\"envsucc\":[");
	explore_all(t, n, rec);
	fprintf(rec, "]}");
	buf = kc_text_end(KC_TEXT_RECORD, &len);
	for (size_t i = 0; i < len; i++)	/* observe()'s newlines: the answer is one line */
		if (buf[i] == '\n')
			buf[i] = ' ';
	printf("%s\n", buf);
}

/* succ: every successor of this state, each computed in a fork()ed child:
 * the actors' segments (as trials) and the environment's steps, each with
 * the state it leads to.  One line of JSON objects. */
static void succ_one(int actor, int input, const char *env, int s, int v, bool *first)
{
	int fds[2];
	pid_t pid;
	int status;
	static char buf[1 << 16];
	size_t got = 0;
	ssize_t r;

	if (pipe(fds))
		kc_bug("pipe", __FILE__, __LINE__);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		alarm(10);
		if (env) {
			kc_current = &env_actor;
			if (!strcmp(env, "SwapOut"))
				env_swap_out(s, v);
			else if (!strcmp(env, "FreeSlot"))
				env_free_slot(s);
			else
				env_drop_clean_folio(s);
			kc_current = NULL;
			printf("{\"env\":[\"%s\",%d,%d],\"state\":", env, s, v);
		} else {
			enum kc_point start = actors[actor].point;

			kc_run(&actors[actor], input);
			printf("{\"actor\":%d,\"input\":%d,\"seg\":[\"%s\",\"%s\",%u],\"state\":", actor, input,
			       point_name[start], point_name[actors[actor].point], actors[actor].events);
		}
		observe();
		printf("}");
		fflush(stdout);
		_exit(0);
	}
	close(fds[1]);
	while ((r = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += r;
	close(fds[0]);
	waitpid(pid, &status, 0);
	buf[got] = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("%s{\"actor\":%d,\"input\":%d,\"crash\":%d}", *first ? "" : ",", actor, input,
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	} else {
		/* observe() ends its line with a newline: drop it */
		for (size_t i = 0; i < got; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
		printf("%s%s", *first ? "" : ",", buf);
	}
	*first = false;
}

static void succ(void)
{
	bool first = true;
	static const char *const env_names[] = { "SwapOut", "FreeSlot", "DropCleanFolio" };

	printf("[");
	for (int i = 0; i < n_actors; i++) {
		int in[KC_MAX_SLOTS + 4], n = inputs_of(&actors[i], in);

		for (int k = 0; k < n; k++)
			succ_one(i, in[k], NULL, 0, 0, &first);
	}
	for (int s = 0; s < n_slots; s++)
		for (int e = 0; e < 3; e++) {
			if (!env_allowed(env_names[e], s))
				continue;
			if (e == 0)
				for (int v = 1; v <= n_versions; v++)
					succ_one(-1, 0, env_names[e], s, v, &first);
			else
				succ_one(-1, 0, env_names[e], s, 0, &first);
		}
	printf("]\n");
}

static bool env_allowed(const char *name, int s)
{
	struct folio *f = swap_cache[s];

	/* get_swap_pages(): a free slot has neither a count nor SWAP_HAS_CACHE */
	if (!strcmp(name, "SwapOut"))
		return kc_swap_writeok && !swap_count[s] && !swap_has_cache[s];
	/* munmap holds mmap_lock for write, a fault for read */
	if (!strcmp(name, "FreeSlot"))
		return swap_count[s] == 1 && pte[s] && !faults_on(s);
	/* __remove_mapping(): folio_ref_freeze(folio, 1 + nr) fails when anyone
	 * else holds a reference (a task waiting on it); trylock, clean,
	 * uptodate.  A mapped folio's PTE references do not count: the spec
	 * abstracts reclaim's try_to_unmap() (or folio_free_swap() of a mapped
	 * folio) into this one step. */
	if (!f || folio_test_locked(f) || !folio_test_uptodate(f))
		return false;
	if (kc_env_guard_refcount)	/* the kernel's own condition */
		return f->refcount - f->mapcount == 1;
	/* the spec's (default): no task (or swapoff) waits at hit_wait holding
	 * this folio (one at hit_gone holds an older one) */
	for (int i = 0; i < n_actors; i++)
		if (actors[i].fault_active && actors[i].point == P_HIT_WAIT && actors[i].hit_folio == f)
			return false;
	return true;
}

static void envok(void)
{
	bool first = true;

	static const char *const env_names[] = { "SwapOut", "FreeSlot", "DropCleanFolio" };

	printf("[");
	for (int s = 0; s < n_slots; s++)
		for (int e = 0; e < 3; e++)
			if (env_allowed(env_names[e], s)) {
				printf("%s[\"%s\",%d]", first ? "" : ",", env_names[e], s);
				first = false;
			}
	printf("]\n");
}

static int kc_fork_depth;	/* "fork"s this process is the copy of */

/* Ask the scheduler for a short slice (EEVDF's custom slice, Linux 6.12+):
 * a trial child runs ~0.3 ms and is new at every fork, and with the
 * default slice a new task waits behind whatever else runs for up to a
 * whole slice; on this shared machine the rotate suite's 2,217 children
 * waited 5 s on the run queue in all (schedstat), more than the suite's
 * whole CPU time.  A shorter slice does not change the CPU share, only
 * how soon a woken or new task gets the CPU.  Inherited by every copy and
 * trial child.  KC_SLICE_US (default 100, the kernel's minimum) sets it;
 * 0 leaves the default.  Best effort: an older kernel refuses it or
 * ignores the field, and a process that runs under another policy or
 * nice value keeps them (read back and written with only the slice
 * changed). */
static void kc_short_slice(void)
{
#ifdef SYS_sched_setattr
	struct {	/* struct sched_attr, SCHED_ATTR_SIZE_VER0 */
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t priority;
		uint64_t runtime, deadline, period;
	} attr;
	const char *us = getenv("KC_SLICE_US");
	long slice = us ? atol(us) : 100;

	if (slice <= 0 || syscall(SYS_sched_getattr, 0, &attr, sizeof(attr), 0))
		return;
	if (attr.policy != 0 && attr.policy != 3)	/* SCHED_NORMAL, SCHED_BATCH (<sched.h> clashes with the stubs) */
		return;
	attr.size = sizeof(attr);
	attr.flags = 0;
	attr.runtime = (uint64_t)slice * 1000;
	if (syscall(SYS_sched_setattr, 0, &attr, 0)) {
		/* refused: the default slice stays */
	}
#endif
}

int main(void)
{
	char line[256];

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	kc_out = stdout;
	kc_short_slice();
	kc_env_guard_refcount = getenv("KC_ENV_GUARD") && !strcmp(getenv("KC_ENV_GUARD"), "refcount");
	kc_fork_every_trial = getenv("KC_FORK_EVERY_TRIAL") && !strcmp(getenv("KC_FORK_EVERY_TRIAL"), "1");
	kc_xa_setup();
	while (fgets(line, sizeof(line), stdin)) {
		char cmd[32], arg[32];
		int x, y, n;

		if (sscanf(line, "%31s%n", cmd, &n) != 1)
			continue;
		if (!strcmp(cmd, "init")) {
			int nsh, off = n, used;
			char *p = line + off;

			sscanf(p, "%d %d %d %lu %d %d%n", &n_slots, &n_tasks, &nsh, &scan_budget, &n_swapoffs, &kc_sync_io,
			       &used);
			p += used;
			n_versions = 0;
			while (sscanf(p, "%15s%n", version_name[n_versions + 1], &used) == 1) {
				n_versions++;
				p += used;
			}
			if (kc_xarray_size > KC_XARRAY_SIZE)
				kc_bug("struct xarray is larger than KC_XARRAY_SIZE", __FILE__, __LINE__);
			kc_zswap_entry_cache.size = sizeof(struct zswap_entry);
			zswap_list_lru.node = &kc_lru_node;
			INIT_LIST_HEAD(&kc_lru_node.lru.list);
			zswap_swapon(0, n_slots);
			for (int s = 0; s < n_slots; s++)
				swap_device[s] = calloc(1, PAGE_SIZE);
			for (int v = 1; v <= n_versions; v++) {
				kc_version_page[v] = malloc(PAGE_SIZE);
				kc_fill(kc_version_page[v], v);
			}
			n_actors = n_tasks + nsh + n_swapoffs;	/* tasks, shrinkers, swapoff */
			for (int i = 0; i < n_actors; i++)
				kc_init_actor(&actors[i], i, i < n_tasks, i >= n_tasks + nsh);
			printf("ok\n");
		} else if (!strcmp(cmd, "trials")) {
			trials();
		} else if (!strcmp(cmd, "run") && sscanf(line + n, "%d %d", &x, &y) == 2) {
			enum kc_point start = actors[x].point;

			kc_run(&actors[x], y);
			printf("%s %s %u\n", point_name[start], point_name[actors[x].point], actors[x].events);
		} else if (!strcmp(cmd, "env") && sscanf(line + n, "%31s %d", arg, &x) == 2) {
			/* the kernel side's guard (trace validation takes steps
			 * without asking envok first): a refused step changes nothing */
			if (x < 0 || x >= n_slots || !env_allowed(arg, x)) {
				printf("refused\n");
				fflush(stdout);
				continue;
			}
			kc_current = &env_actor;
			if (!strcmp(arg, "SwapOut") && sscanf(line + n, "%31s %d %d", arg, &x, &y) == 3)
				env_swap_out(x, y);
			else if (!strcmp(arg, "FreeSlot"))
				env_free_slot(x);
			else if (!strcmp(arg, "DropCleanFolio"))
				env_drop_clean_folio(x);
			kc_current = NULL;
			printf("ok\n");
		} else if (!strcmp(cmd, "fork")) {
			/* A copy of this state serves the protocol until "exit";
			 * then this process, unchanged, answers "ok" for it: going
			 * back to a state is a fork (~1 ms), not a process start
			 * and replay (~20 ms).  "fork" and "exit" must each be the
			 * last command before the caller waits for the answer:
			 * stdin is buffered, a line read ahead is seen by one
			 * process only. */
			pid_t pid;
			int status;

			fflush(stdout);
			pid = fork();
			if (pid < 0)
				kc_bug("fork", __FILE__, __LINE__);
			if (pid == 0) {
				kc_fork_depth++;
				printf("ok\n");
				fflush(stdout);
				continue;
			}
			waitpid(pid, &status, 0);
			/* the copy died (a sanitizer report or BUG, on stderr):
			 * so does this process, so the caller sees end of file
			 * rather than answers to the commands left in the pipe */
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			printf("ok\n");
		} else if (!strcmp(cmd, "exit") && kc_fork_depth) {
			fflush(stdout);
			_exit(0);
		} else if (!strcmp(cmd, "succ")) {
			succ();
		} else if (!strcmp(cmd, "explore")) {
			explore(line + n);
		} else if (!strcmp(cmd, "key")) {
			kc_key(true);
		} else if (!strcmp(cmd, "envok")) {
			envok();
		} else if (!strcmp(cmd, "observe")) {
			observe();
		} else if (!strcmp(cmd, "poisoned")) {
			/* the pages (versions) whose PTE unuse_pte() poisoned */
			bool first = true;

			printf("[");
			for (int v = 1; v <= n_versions; v++)
				if (kc_poisoned[v]) {
					printf("%s%d", first ? "" : ",", v);
					first = false;
				}
			printf("]\n");
		} else if (!strcmp(cmd, "mapped")) {
			/* the tasks', then swapoff's (unuse_pte()'s set_pte_at()) */
			bool first = true;

			printf("[");
			for (int i = 0; i < n_actors; i++)
				if (actors[i].is_task || actors[i].is_swapoff) {
					printf("%s%d", first ? "" : ",", actors[i].mapped);
					first = false;
				}
			printf("]\n");
		} else {
			printf("error unknown command %s\n", cmd);
		}
		fflush(stdout);
	}
	return 0;
}
