/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kc_zswap_shims.h: compression is a copy.  zswap_compress() and
 * zswap_decompress() in mm/zswap.c go through crypto_acomp and zpool; here
 * the "compressed" object is a malloc'ed copy of the page (its handle is the
 * pointer), so ASan reports any read of a freed entry's data.
 */
#ifndef KC_ZSWAP_SHIMS_H
#define KC_ZSWAP_SHIMS_H

static bool zswap_compress(struct folio *folio, struct zswap_entry *entry)
{
	u8 *copy = malloc(PAGE_SIZE);

	if (!copy)
		return false;
	memcpy(copy, folio->data, PAGE_SIZE);
	entry->handle = (unsigned long)copy;
	entry->length = PAGE_SIZE;
	return true;
}

static void zswap_decompress(struct zswap_entry *entry, struct folio *folio)
{
	memcpy(folio->data, (u8 *)entry->handle, entry->length);
}

#endif /* KC_ZSWAP_SHIMS_H */
