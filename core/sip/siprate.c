/**
 * @file siprate.c  Token buckets per source address, bounded in memory
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "sip/siprate.h"

/* tokens are counted in thousandths so a rate below one per
 * millisecond still refills smoothly */
#define SIPRATE_UNIT 1000u

struct siprate {
	struct hash *ht; /* bucket by address */
	struct list lru; /* bucket, least recently used first */
	uint32_t n, max;
};

struct bucket {
	struct le he, le;
	struct sa addr;
	uint64_t tokens; /* thousandths */
	uint64_t last_ms;
};

static void siprate_destructor(void *data)
{
	struct siprate *r = data;

	hash_flush(r->ht);
	r->ht = mem_deref(r->ht);
}

static void bucket_destructor(void *data)
{
	struct bucket *b = data;

	hash_unlink(&b->he);
	list_unlink(&b->le);
}

int siprate_alloc(struct siprate **rp, uint32_t max)
{
	struct siprate *r;
	int err;

	if (!rp || !max)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), siprate_destructor);
	if (!r)
		return ENOMEM;
	r->max = max;
	list_init(&r->lru);
	err = hash_alloc(&r->ht, 1024);
	if (err) {
		mem_deref(r);
		return err;
	}
	*rp = r;
	return 0;
}

static bool bucket_cmp(struct le *le, void *arg)
{
	const struct bucket *b = le->data;

	return sa_cmp(&b->addr, arg, SA_ADDR);
}

bool siprate_take(struct siprate *r, const struct sa *src, uint32_t rate,
		  uint32_t burst, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)(burst ? burst : 1) * SIPRATE_UNIT;
	struct bucket *b;
	struct le *le;

	if (!r || !src || !rate)
		return true;
	le = hash_lookup(r->ht, sa_hash(src, SA_ADDR), bucket_cmp,
			 (void *)src);
	if (le) {
		b = le->data;
		/* rate per second is rate thousandths per millisecond */
		if (now_ms > b->last_ms) {
			b->tokens += (now_ms - b->last_ms) * rate;
			if (b->tokens > cap)
				b->tokens = cap;
		}
		b->last_ms = now_ms;
		list_unlink(&b->le);
	} else {
		if (r->n >= r->max) {
			mem_deref(list_head(&r->lru)->data);
			r->n--;
		}
		b = mem_zalloc(sizeof(*b), bucket_destructor);
		if (!b)
			return true; /* out of memory: do not refuse calls */
		b->addr = *src;
		b->tokens = cap;
		b->last_ms = now_ms;
		hash_append(r->ht, sa_hash(src, SA_ADDR), &b->he, b);
		r->n++;
	}
	list_append(&r->lru, &b->le, b);
	if (b->tokens < SIPRATE_UNIT)
		return false;
	b->tokens -= SIPRATE_UNIT;
	return true;
}

uint32_t siprate_count(const struct siprate *r)
{
	return r ? r->n : 0;
}
