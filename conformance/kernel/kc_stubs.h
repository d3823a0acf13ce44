/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kc_stubs.h: just enough of the kernel API for the 6.12 functions that
 * conformance/kernel/extract.py cuts out of mm/zswap.c, mm/list_lru.c and
 * mm/swap_state.c to compile and run unmodified in userspace, in the style
 * of tools/testing/vma/vma_internal.h.  Each stub is short and says what it
 * stands for.  The stubs that are step boundaries of the spec (lock drops,
 * swapcache_prepare, the charge, the allocation,
 * schedule_timeout_uninterruptible) call into the scheduler in harness.c.
 *
 * The README's table lists every function as real or shim and why each
 * shim is faithful.
 */
#ifndef KC_STUBS_H
#define KC_STUBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define CONFIG_MEMCG 1		/* take the memcg-aware list_lru code; one memcg: NULL */

typedef uint8_t u8;
typedef uint64_t u64;
typedef unsigned int gfp_t;
typedef unsigned long pgoff_t;
typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;

#define __rcu
#define __percpu
#define __init
#define __must_check
#define ____cacheline_aligned_in_smp
#define fallthrough __attribute__((__fallthrough__))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(volatile typeof(x) *)&(x))
#define ATOMIC_INIT(i) { (i) }
#define MAX_SWAPFILES 32
#define MAX_ERRNO 4095
#define ENOMEM 12
#define EEXIST 17
#define ENOENT 2
#define EAGAIN 11
#define PAGE_SIZE 4096UL
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* The harness: who runs now, and the scheduler's entry points. */
struct kc_actor;
extern struct kc_actor *kc_current;
void kc_bug(const char *what, const char *file, int line) __attribute__((noreturn));
#define BUG() kc_bug("BUG()", __FILE__, __LINE__)
#define BUG_ON(c) do { if (c) kc_bug("BUG_ON(" #c ")", __FILE__, __LINE__); } while (0)
#define VM_WARN_ON_ONCE(c) do { if (c) kc_bug("VM_WARN_ON_ONCE(" #c ")", __FILE__, __LINE__); } while (0)
#define WARN_ON_ONCE(c) ({ bool __w = !!(c); if (__w) kc_bug("WARN_ON_ONCE(" #c ")", __FILE__, __LINE__); __w; })
#define WARN_ONCE(c, ...) ({ bool __w = !!(c); if (__w) kc_bug("WARN_ONCE(" #c ")", __FILE__, __LINE__); __w; })
#define pr_err(...) fprintf(stderr, __VA_ARGS__)

/* atomics: one CPU, so plain arithmetic */
#define atomic_inc(a) ((a)->counter++)
#define atomic_dec(a) ((a)->counter--)
#define atomic_long_set(a, i) ((a)->counter = (i))
#define atomic_long_inc(a) ((a)->counter++)

/* --- <linux/list.h>: the kernel's doubly linked list, same semantics --- */
struct list_head { struct list_head *next, *prev; };
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
static inline void __list_add(struct list_head *n, struct list_head *prev, struct list_head *next)
{ next->prev = n; n->next = next; n->prev = prev; prev->next = n; }
static inline void list_add_tail(struct list_head *n, struct list_head *h) { __list_add(n, h->prev, h); }
static inline void __list_del(struct list_head *prev, struct list_head *next) { next->prev = prev; prev->next = next; }
static inline void list_del_init(struct list_head *e) { __list_del(e->prev, e->next); INIT_LIST_HEAD(e); }
static inline void list_move_tail(struct list_head *l, struct list_head *h)
{ __list_del(l->prev, l->next); list_add_tail(l, h); }
#define list_for_each_safe(pos, n, head) \
	for (pos = (head)->next, n = pos->next; pos != (head); pos = n, n = pos->next)

/* --- spinlocks: one CPU and step boundaries outside every critical section,
 * so a lock is a flag that must be free when taken and held when dropped.
 * spin_lock/spin_unlock pass __func__: the scheduler knows the call site
 * (shrink_memcg_cb's unlock before writeback, its lock after it), while the
 * kernel code stays unmodified. --- */
typedef struct { int held; } spinlock_t;
#define DEFINE_SPINLOCK(x) spinlock_t x = { 0 }
void kc_spin_lock(spinlock_t *l, const char *site);
void kc_spin_unlock(spinlock_t *l, const char *site);
#define spin_lock(l) kc_spin_lock(l, __func__)
#define spin_unlock(l) kc_spin_unlock(l, __func__)
#define assert_spin_locked(l) BUG_ON(!(l)->held)
#define rcu_read_lock() do { } while (0)
#define rcu_read_unlock() do { } while (0)

/* --- the real lib/xarray.c (kc_xa_glue.c): struct xarray known by size --- */
#define KC_XARRAY_SIZE 64
struct xarray { _Alignas(16) unsigned char opaque[KC_XARRAY_SIZE]; };
void *xa_load(struct xarray *, unsigned long index);
void *xa_store(struct xarray *, unsigned long index, void *entry, gfp_t);
void *xa_erase(struct xarray *, unsigned long index);
void *kc_xa_cmpxchg(struct xarray *, unsigned long index, void *old, void *entry, gfp_t);
void kc_xa_init(struct xarray *);
bool kc_xa_is_err(const void *entry);
int kc_xa_err(void *entry);
extern const unsigned long kc_xarray_size;
void kc_xa_setup(void);
#define xa_cmpxchg kc_xa_cmpxchg
#define xa_init kc_xa_init
#define xa_is_err kc_xa_is_err
#define xa_err kc_xa_err

/* --- gfp: values only matter to the xarray (GFP_KERNEL: may allocate) --- */
#define __GFP_IO 0x40u
#define __GFP_FS 0x80u
#define __GFP_DIRECT_RECLAIM 0x400u
#define __GFP_KSWAPD_RECLAIM 0x800u
#define GFP_KERNEL (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_HIGHUSER_MOVABLE GFP_KERNEL
#define GFP_RECLAIM_MASK GFP_KERNEL

/* --- swap entries (include/linux/swapops.h): type 0, offset = slot --- */
typedef struct { unsigned long val; } swp_entry_t;
#define SWP_TYPE_SHIFT 58
static inline swp_entry_t swp_entry(unsigned long type, pgoff_t offset)
{ swp_entry_t e = { (type << SWP_TYPE_SHIFT) | offset }; return e; }
static inline unsigned swp_type(swp_entry_t e) { return e.val >> SWP_TYPE_SHIFT; }
static inline pgoff_t swp_offset(swp_entry_t e) { return e.val & ((1UL << SWP_TYPE_SHIFT) - 1); }
#define SWAP_ADDRESS_SPACE_SHIFT 14
#define SWAP_ADDRESS_SPACE_PAGES (1 << SWAP_ADDRESS_SPACE_SHIFT)

/* --- folios (shim, harness.c): the flags the protocol reads, a refcount, the data page --- */
struct folio {
	unsigned long flags;
	int refcount;
	int mapcount;		/* PTEs mapping it (each also holds a reference) */
	swp_entry_t swap;
	u8 *data;		/* PAGE_SIZE bytes: the page's contents */
};
enum { PG_locked, PG_uptodate, PG_swapcache, PG_dirty, PG_swapbacked, PG_reclaim, PG_writeback };
#define KC_FOLIO_FLAG(name) \
	static inline bool folio_test_##name(struct folio *f) { return f->flags & (1UL << PG_##name); }
KC_FOLIO_FLAG(locked) KC_FOLIO_FLAG(uptodate) KC_FOLIO_FLAG(swapcache) KC_FOLIO_FLAG(dirty)
KC_FOLIO_FLAG(writeback)
static inline bool folio_test_large(struct folio *f) { (void)f; return false; }
static inline void __folio_set_locked(struct folio *f) { f->flags |= 1UL << PG_locked; }
static inline void __folio_set_swapbacked(struct folio *f) { f->flags |= 1UL << PG_swapbacked; }
static inline void folio_set_reclaim(struct folio *f) { f->flags |= 1UL << PG_reclaim; }
static inline bool folio_mark_dirty(struct folio *f) { f->flags |= 1UL << PG_dirty; return true; }
static inline void folio_mark_uptodate(struct folio *f) { f->flags |= 1UL << PG_uptodate; }
static inline int folio_nid(struct folio *f) { (void)f; return 0; }
void folio_unlock(struct folio *);
void folio_put(struct folio *);
struct mempolicy;
#define NO_INTERLEAVE_INDEX (~0UL)
#define get_task_policy(task) ((struct mempolicy *)NULL)
#define numa_node_id() 0
struct folio *folio_alloc_mpol(gfp_t, unsigned int order, struct mempolicy *, pgoff_t ilx, int nid);
void folio_add_lru(struct folio *);

/* --- the swap device and swap map (shim, harness.c) --- */
/* The one device: swap_map mirrors the harness's use counts (what
 * unuse_pte_range() reads after a failed swap-in). */
struct swap_info_struct { unsigned char *swap_map; };
extern struct swap_info_struct *swap_info[MAX_SWAPFILES];
#define SWAP_MAP_BAD 0x3f
struct address_space;
#define IS_ERR(p) ((unsigned long)(p) >= (unsigned long)-MAX_ERRNO)
#define ERR_PTR(e) ((void *)(long)(e))
struct swap_info_struct *get_swap_device(swp_entry_t);
static inline void put_swap_device(struct swap_info_struct *si) { (void)si; }
struct address_space *swap_address_space(swp_entry_t);
static inline pgoff_t swap_cache_index(swp_entry_t e) { return swp_offset(e); }
struct folio *filemap_get_folio(struct address_space *, pgoff_t index);
int swap_swapcount(struct swap_info_struct *, swp_entry_t);
/* mm/swap_slots.c: false while swapoff runs (disable_swap_slots_cache_lock()) */
extern bool swap_slot_cache_enabled;
int swapcache_prepare(swp_entry_t, int nr);
void put_swap_folio(struct folio *, swp_entry_t);
int add_to_swap_cache(struct folio *, swp_entry_t, gfp_t, void **shadowp);
void delete_from_swap_cache(struct folio *);
void schedule_timeout_uninterruptible(long timeout);
/* mm/swap.h */
struct folio *__read_swap_cache_async(swp_entry_t entry, gfp_t gfp_mask,
		struct mempolicy *mpol, pgoff_t ilx, bool *new_page_allocated,
		bool skip_if_exists);
struct rcu_head { void *next; void (*func)(struct rcu_head *); };
#define workingset_refault(folio, shadow) do { } while (0)
struct writeback_control { int sync_mode; };
#define WB_SYNC_NONE 0
int __swap_writepage(struct folio *, struct writeback_control *);

/* --- memcg: one memcg, NULL (memcg disabled); the swap-in charge is an input --- */
struct mem_cgroup;
struct obj_cgroup;
struct lruvec;
struct mm_struct;
int mem_cgroup_swapin_charge_folio(struct folio *, struct mm_struct *, gfp_t, swp_entry_t);
#define mem_cgroup_swapin_uncharge_swap(entry, nr) do { } while (0)
#define memcg_kmem_id(memcg) (-1)
#define set_shrinker_bit(memcg, nid, id) do { } while (0)
#define obj_cgroup_memcg(objcg) ((struct mem_cgroup *)NULL)
#define mem_cgroup_zswap_writeback_enabled(memcg) true
#define mem_cgroup_online(memcg) true
#define mem_cgroup_put(memcg) do { } while (0)
#define get_obj_cgroup_from_folio(folio) ((struct obj_cgroup *)NULL)
#define obj_cgroup_may_zswap(objcg) true
#define get_mem_cgroup_from_objcg(objcg) ((struct mem_cgroup *)NULL)
#define memcg_list_lru_alloc(memcg, lru, gfp) 0
#define obj_cgroup_charge_zswap(objcg, len) do { } while (0)
#define obj_cgroup_uncharge_zswap(objcg, len) do { } while (0)
#define obj_cgroup_put(objcg) do { } while (0)
#define count_objcg_events(objcg, ev, n) do { } while (0)
#define count_vm_event(ev) do { } while (0)
enum { ZSWPIN, ZSWPOUT, ZSWPWB };
#define N_NORMAL_MEMORY 0
#define for_each_node_state(nid, state) for ((nid) = 0; (nid) < 1; (nid)++)
#define page_to_nid(page) 0
#define virt_to_page(addr) ((void *)(addr))

/* --- slab: malloc/free, so ASan sees every use after free --- */
struct kmem_cache { size_t size; };
static inline void *kmem_cache_alloc_node(struct kmem_cache *c, gfp_t gfp, int nid)
{ (void)gfp; (void)nid; return calloc(1, c->size); }
static inline void kmem_cache_free(struct kmem_cache *c, void *p) { (void)c; free(p); }
#define kvcalloc(n, size, gfp) calloc(n, size)

/* --- shrinker --- */
struct shrinker { int unused; };
struct shrink_control {
	gfp_t gfp_mask;
	int nid;
	unsigned long nr_to_scan;
	unsigned long nr_scanned;
	struct mem_cgroup *memcg;
};
#define SHRINK_STOP (~0UL)
struct list_lru;
typedef enum lru_status (*list_lru_walk_cb)(struct list_head *item,
		struct list_lru_one *list, spinlock_t *lock, void *cb_arg);

/* --- zswap's pool, zpool and crypto: the compressed copy is a plain copy --- */
struct zpool;
struct zswap_pool { struct zpool *zpool; };
struct zswap_entry;
struct work_struct { int unused; };
struct workqueue_struct;
#define queue_work(wq, work) do { } while (0)
static inline void zpool_free(struct zpool *pool, unsigned long handle) { (void)pool; free((void *)handle); }

/* --- page tables, for swapoff's unuse_pte_range() and unuse_pte() (mm/swapfile.c).
 * One mm, one VMA, one PTE a page: the page whose data is version v lives
 * at address v << PAGE_SHIFT.  The harness's pte[] (slot -> the page whose
 * PTE holds it) stays the truth: pte_offset_map() builds the page's PTE from
 * it, set_pte_at() writes a change back (harness.c).  A pte_t's low bits
 * say what it is: 0 none, 1 a swap entry (the rest: its type and offset), 2
 * present (the rest: the folio's address).  No KSM, no hwpoison, no soft-dirty,
 * no uffd-wp, no exclusive marking: those flags read false. --- */
#define PAGE_SHIFT 12
#define EHWPOISON 133
typedef struct { unsigned long pte; } pte_t;
typedef struct { unsigned long pmd; } pmd_t;
typedef struct { unsigned long pgprot; } pgprot_t;
typedef int rmap_t;
#define RMAP_NONE 0
#define RMAP_EXCLUSIVE 1
struct mm_struct { int unused; };
struct vm_area_struct { struct mm_struct *vm_mm; pgprot_t vm_page_prot; };
struct vm_fault { struct vm_area_struct *vma; unsigned long address, real_address; pmd_t *pmd; };
struct page;
enum { MM_SWAPENTS, MM_ANONPAGES };
#define SWP_PTE_MARKER (MAX_SWAPFILES + 1)	/* include/linux/swap.h: after the devices and hwpoison */
#define SWP_HWPOISON MAX_SWAPFILES
#define PTE_MARKER_POISONED (1UL << 1)
static inline pte_t __pte(unsigned long v) { pte_t p = { v }; return p; }
static inline bool pte_none(pte_t p) { return !p.pte; }
static inline bool pte_present(pte_t p) { return (p.pte & 3) == 2; }
static inline int is_swap_pte(pte_t p) { return !pte_none(p) && !pte_present(p); }
/* a swap PTE: type above bit 50, offset below, then the tag */
static inline pte_t swp_entry_to_pte(swp_entry_t e)
{ return __pte(((unsigned long)swp_type(e) << 48 | swp_offset(e)) << 2 | 1); }
static inline swp_entry_t pte_to_swp_entry(pte_t p)
{ return swp_entry(p.pte >> 50, (p.pte >> 2) & ((1UL << 48) - 1)); }
static inline pte_t ptep_get(pte_t *p) { return *p; }
#define ptep_get_lockless ptep_get
bool pte_same_as_swp(pte_t pte, pte_t swp_pte);	/* harness: notes a changed PTE */
static inline bool pte_swp_exclusive(pte_t p) { (void)p; return false; }
static inline bool pte_swp_soft_dirty(pte_t p) { (void)p; return false; }
static inline bool pte_swp_uffd_wp(pte_t p) { (void)p; return false; }
static inline pte_t mk_pte(struct page *page, pgprot_t prot) { (void)prot; return __pte((unsigned long)page | 2); }
static inline pte_t pte_mkold(pte_t p) { return p; }
static inline pte_t pte_mksoft_dirty(pte_t p) { return p; }
static inline pte_t pte_mkuffd_wp(pte_t p) { return p; }
static inline swp_entry_t make_poisoned_swp_entry(void) { return swp_entry(SWP_PTE_MARKER, PTE_MARKER_POISONED); }
static inline swp_entry_t make_hwpoison_entry(struct page *page) { (void)page; return swp_entry(SWP_HWPOISON, 0); }
pte_t *pte_offset_map(pmd_t *pmd, unsigned long addr);			/* harness */
pte_t *pte_offset_map_lock(struct mm_struct *, pmd_t *, unsigned long addr, spinlock_t **ptlp);	/* harness */
void pte_unmap(pte_t *pte);						/* harness: unuse_pte_range()'s lookup starts */
#define pte_unmap_unlock(pte, ptl) spin_unlock(ptl)
void set_pte_at(struct mm_struct *, unsigned long addr, pte_t *ptep, pte_t pte);	/* harness */
#define dec_mm_counter(mm, member) do { } while (0)
#define inc_mm_counter(mm, member) do { } while (0)
#define arch_swap_restore(entry, folio) do { } while (0)
#define folio_swap(entry, folio) (entry)
/* ksm_might_need_to_copy(): no KSM, the folio itself */
#define ksm_might_need_to_copy(folio, vma, addr) (folio)
static inline struct page *folio_file_page(struct folio *f, pgoff_t index) { (void)index; return (struct page *)f; }
#define PageHWPoison(page) false
#define VM_BUG_ON_FOLIO(c, folio) BUG_ON(c)
#define VM_WARN_ON_FOLIO(c, folio) VM_WARN_ON_ONCE(c)
static inline void folio_get(struct folio *f) { f->refcount++; }
/* anon: mapped by a PTE; the rmap shims count the mapping */
static inline bool folio_test_anon(struct folio *f) { return f->mapcount > 0; }
static inline void folio_add_new_anon_rmap(struct folio *f, struct vm_area_struct *vma, unsigned long addr, rmap_t flags)
{ (void)vma; (void)addr; (void)flags; f->mapcount++; }
static inline void folio_add_anon_rmap_pte(struct folio *f, struct page *page, struct vm_area_struct *vma,
					   unsigned long addr, rmap_t flags)
{ (void)page; (void)vma; (void)addr; (void)flags; f->mapcount++; }
#define folio_add_lru_vma(folio, vma) BUG()	/* only for a KSM copy */
/* swap-ins of swapoff (harness.c): the lookup, the read, the lock */
struct folio *swap_cache_get_folio(swp_entry_t, struct vm_area_struct *, unsigned long addr);
struct folio *swapin_readahead(swp_entry_t, gfp_t, struct vm_fault *);
void folio_lock(struct folio *);
#define folio_wait_writeback(folio) do { } while (0)	/* __swap_writepage() completes at once */
bool folio_free_swap(struct folio *);
static inline void kvfree(void *p) { free(p); }
bool kc_xa_empty(const struct xarray *);
#define xa_empty kc_xa_empty

#endif /* KC_STUBS_H */
