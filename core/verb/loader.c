/**
 * @file loader.c  Verb plugins: dlopen on first use, checks, preload, LRU
 *
 * The loader's list holds one reference to every loaded plugin, in
 * least-recently-used order (head = oldest). A task holds another
 * reference for as long as it runs, so evicting a plugin from the list
 * never unmaps code that is still executing: the object is dlclosed when
 * its last reference goes.
 *
 * Every event loop uses the one loader: its lists, counts and the
 * plugins' reference counts (libre's are not atomic) change under its
 * mutex. A plugin's validate() runs outside it. The mutex is recursive:
 * a plugin's start code may itself ask for a verb.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include "verb/loader.h"
#include "base/log.h"

#define LOADER_NAME_MAX 64

struct loader {
	char *dir;
	char *copy_dir; /* private copies of reloaded plugins */
	uint32_t cache_size;
	uint32_t generation; /* names of private copies */
	struct list plugins; /* LRU order, head = least recently used */
	struct list mapped;  /* every plugin object alive, listed or not */
	struct loader_stats st;
	pthread_mutex_t mtx; /* all of the above, and plugin references */
};

struct plugin {
	struct le le;
	struct le mle; /* loader->mapped */
	char *verb;
	char *path;
	void *handle;
	struct stat sb; /* the file as it was when loaded */
	const struct fs_plugin *desc;
	uint64_t load_us;
	uint64_t tasks; /* acquisitions */
	uint32_t users; /* running tasks */
	struct loader *loader;
};

static void plugin_destructor(void *data)
{
	struct plugin *p = data;

	list_unlink(&p->le);
	list_unlink(&p->mle);
	if (p->desc && p->desc->destroy)
		p->desc->destroy();
	if (p->handle)
		dlclose(p->handle);
	mem_deref(p->verb);
	mem_deref(p->path);
}

static void loader_destructor(void *data)
{
	struct loader *l = data;

	pthread_mutex_lock(&l->mtx);
	list_flush(&l->plugins);
	/* plugins still used by tasks outlive us: forget them */
	list_clear(&l->mapped);
	pthread_mutex_unlock(&l->mtx);
	pthread_mutex_destroy(&l->mtx);
	mem_deref(l->dir);
	mem_deref(l->copy_dir);
}

int loader_alloc(struct loader **lp, const char *dir, uint32_t cache_size)
{
	pthread_mutexattr_t ma;
	struct loader *l;
	int err;

	if (!lp || !dir)
		return EINVAL;

	/* the destructor locks the mutex: nothing fails before it is made */
	l = mem_zalloc(sizeof(*l), loader_destructor);
	if (!l)
		return ENOMEM;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&l->mtx, &ma);
	pthread_mutexattr_destroy(&ma);
	list_init(&l->plugins);
	list_init(&l->mapped);
	l->cache_size = cache_size;
	err = str_dup(&l->dir, dir);
	if (err) {
		mem_deref(l);
		return err;
	}
	*lp = l;
	return 0;
}

void loader_set_cache_size(struct loader *l, uint32_t cache_size)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mtx);
	l->cache_size = cache_size;
	pthread_mutex_unlock(&l->mtx);
}

int loader_file_stem(const char *verb, char *buf, size_t sz)
{
	size_t n;

	if (!verb || !buf)
		return EINVAL;
	n = strlen(verb);
	if (!n || n > LOADER_NAME_MAX || n >= sz)
		return EINVAL;

	/* a verb name is never a path: only these characters reach the
	 * file system, so "../x" or "a/b" cannot load anything */
	for (size_t i = 0; i < n; i++) {
		char c = verb[i];

		if (c >= 'a' && c <= 'z')
			buf[i] = c;
		else if ((c >= '0' && c <= '9') || c == '_')
			buf[i] = c;
		else if (c == ':' && i > 0 && i + 1 < n)
			buf[i] = '-';
		else
			return EINVAL;
	}
	buf[n] = '\0';
	return 0;
}

static uint64_t loader_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static struct plugin *loader_find(const struct loader *l, const char *verb)
{
	struct le *le;

	LIST_FOREACH(&l->plugins, le) {
		struct plugin *p = le->data;

		if (!strcmp(p->verb, verb))
			return p;
	}
	return NULL;
}

/* Check a mapped descriptor; on refusal write the reason into why */
static int loader_check(const struct fs_plugin *d, const char *verb, char *why,
			size_t sz)
{
	if (d->abi_major != FS_ABI_MAJOR) {
		re_snprintf(why, sz, "ABI major %u, this server needs %u",
			    d->abi_major, FS_ABI_MAJOR);
		return ELIBBAD;
	}
	if (d->abi_minor > FS_ABI_MINOR) {
		re_snprintf(why, sz,
			    "ABI %u.%u is newer than this server's %u.%u",
			    d->abi_major, d->abi_minor, FS_ABI_MAJOR,
			    FS_ABI_MINOR);
		return ELIBBAD;
	}
	if (d->size < FS_PLUGIN_MIN_SIZE) {
		re_snprintf(why, sz,
			    "descriptor size %u, expected at least %zu",
			    d->size, (size_t)FS_PLUGIN_MIN_SIZE);
		return ELIBBAD;
	}
	if (!d->name || strcmp(d->name, verb)) {
		re_snprintf(why, sz, "declares verb '%s', expected '%s'",
			    d->name ? d->name : "(none)", verb);
		return ELIBBAD;
	}
	if (!d->validate) {
		re_snprintf(why, sz, "has no validate callback");
		return ELIBBAD;
	}
	return 0;
}

/* Drop least recently used plugins that no task uses, down to the cap */
static void loader_evict(struct loader *l, uint32_t room)
{
	struct le *le = list_head(&l->plugins);

	while (le && l->cache_size &&
	       list_count(&l->plugins) + room > l->cache_size) {
		struct plugin *p = le->data;

		le = le->next;
		if (p->users)
			continue;
		fs_info("loader", "unloading '%s' (cache size %u)", p->verb,
			l->cache_size);
		l->st.unloads++;
		list_unlink(&p->le);
		mem_deref(p);
	}
}

/* Is a plugin object for this file still mapped (in use or listed)? */
static bool loader_is_mapped(const struct loader *l, const char *path)
{
	struct le *le;

	LIST_FOREACH(&l->mapped, le) {
		const struct plugin *p = le->data;

		if (!strcmp(p->path, path))
			return true;
	}
	return false;
}

/*
 * glibc hands back the object already mapped for a path, so a changed
 * file at a path still in use is loaded from a private copy of its own
 * name (removed once mapped).
 */
static void *loader_dlopen_copy(struct loader *l, const char *path, char *why,
				size_t sz)
{
	char *copy = NULL;
	void *h = NULL;
	char buf[65536];
	FILE *in = NULL, *out = NULL;
	size_t n;

	if (!l->copy_dir) {
		const char *tmp = getenv("TMPDIR");
		char *tmpl = NULL;

		if (re_sdprintf(&tmpl, "%s/feature-server-plugins.XXXXXX",
				tmp && *tmp ? tmp : "/tmp"))
			return NULL;
		if (!mkdtemp(tmpl)) {
			re_snprintf(why, sz, "cannot create a copy folder: %m",
				    errno);
			mem_deref(tmpl);
			return NULL;
		}
		l->copy_dir = tmpl;
	}
	if (re_sdprintf(&copy, "%s/%u-%s", l->copy_dir, ++l->generation,
			strrchr(path, '/') ? strrchr(path, '/') + 1 : path))
		return NULL;
	in = fopen(path, "rb");
	out = in ? fopen(copy, "wb") : NULL;
	while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (fwrite(buf, 1, n, out) != n)
			break;
	}
	if (in)
		fclose(in);
	if (out && !fclose(out)) {
		h = dlopen(copy, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			const char *de = dlerror();

			re_snprintf(why, sz, "dlopen failed: %s",
				    de ? de : "unknown error");
		}
	} else {
		re_snprintf(why, sz, "cannot copy %s to %s", path, copy);
	}
	(void)unlink(copy);
	mem_deref(copy);
	return h;
}

/* Map, check and initialise a verb's plugin; not listed yet */
static int plugin_load(struct loader *l, const char *verb, struct plugin **pp)
{
	char stem[LOADER_NAME_MAX + 1];
	char why[256] = "";
	const struct fs_plugin *d;
	struct plugin *p = NULL;
	uint64_t t0 = loader_now_us();
	int err;

	err = loader_file_stem(verb, stem, sizeof(stem));
	if (err) {
		fs_warn("loader", "invalid verb name '%s'", verb);
		return ENOENT;
	}

	p = mem_zalloc(sizeof(*p), plugin_destructor);
	if (p)
		p->loader = l;
	if (!p)
		return ENOMEM;
	err = str_dup(&p->verb, verb);
	err |= re_sdprintf(&p->path, "%s/%s.so", l->dir, stem);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	if (stat(p->path, &p->sb) || !S_ISREG(p->sb.st_mode)) {
		fs_warn("loader", "unknown verb '%s': no plugin %s", verb,
			p->path);
		err = ENOENT;
		goto out;
	}

	if (loader_is_mapped(l, p->path)) {
		p->handle = loader_dlopen_copy(l, p->path, why, sizeof(why));
		if (!p->handle) {
			err = ELIBBAD;
			goto out;
		}
	} else {
		p->handle = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
		if (!p->handle) {
			const char *de = dlerror();

			re_snprintf(why, sizeof(why), "dlopen failed: %s",
				    de ? de : "unknown error");
			err = ELIBBAD;
			goto out;
		}
	}
	d = dlsym(p->handle, FS_PLUGIN_SYMBOL);
	if (!d) {
		re_snprintf(why, sizeof(why), "missing symbol '%s'",
			    FS_PLUGIN_SYMBOL);
		err = ELIBBAD;
		goto out;
	}
	err = loader_check(d, verb, why, sizeof(why));
	if (err)
		goto out;
	if (d->init) {
		err = d->init();
		if (err) {
			re_snprintf(why, sizeof(why), "init failed: %m", err);
			err = ELIBBAD;
			goto out;
		}
	}
	p->desc = d; /* from here the destructor calls destroy */
	p->load_us = loader_now_us() - t0;
	list_append(&l->mapped, &p->mle, p);
	fs_info("loader", "loaded '%s' from %s (%s, %llu us)", verb, p->path,
		d->version ? d->version : "no version",
		(unsigned long long)p->load_us);
	*pp = p;
	return 0;

out:
	/* an unknown verb is the caller's mistake, not a load failure */
	if (err != ENOENT) {
		fs_error("loader", "refused plugin %s: %s", p->path,
			 *why ? why : "out of memory");
		l->st.failures++;
	}
	mem_deref(p);
	return err;
}

static int loader_open(struct loader *l, const char *verb, struct plugin **pp)
{
	int err = plugin_load(l, verb, pp);

	if (err)
		return err;
	loader_evict(l, 1);
	list_append(&l->plugins, &(*pp)->le, *pp);
	return 0;
}

static bool loader_changed(const struct stat *a, const struct stat *b)
{
	return a->st_dev != b->st_dev || a->st_ino != b->st_ino ||
	       a->st_size != b->st_size ||
	       a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
	       a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

int loader_rescan(struct loader *l, struct loader_rescan *rs)
{
	struct le *le;

	if (!l || !rs)
		return EINVAL;
	memset(rs, 0, sizeof(*rs));
	pthread_mutex_lock(&l->mtx);
	le = list_head(&l->plugins);
	while (le) {
		struct plugin *p = le->data, *np = NULL;
		struct stat sb;

		le = le->next;
		if (stat(p->path, &sb) || !S_ISREG(sb.st_mode)) {
			/* tasks running it keep their reference */
			fs_info("loader", "'%s' removed: no longer offered",
				p->verb);
			list_unlink(&p->le);
			mem_deref(p);
			rs->removed++;
			continue;
		}
		if (!loader_changed(&sb, &p->sb))
			continue;
		if (plugin_load(l, p->verb, &np)) {
			fs_error("loader",
				 "'%s' changed but was refused: "
				 "the running version stays",
				 p->verb);
			p->sb = sb; /* report a broken file once */
			rs->failed++;
			continue;
		}
		/* new tasks get the new code; running ones keep the old */
		list_insert_after(&l->plugins, &p->le, &np->le, np);
		list_unlink(&p->le);
		mem_deref(p);
		rs->reloaded++;
		fs_info("loader", "'%s' reloaded", np->verb);
	}
	pthread_mutex_unlock(&l->mtx);
	return 0;
}

/* task: counted as a use (a task), or only looked at (validation) */
static int loader_get(struct loader *l, const char *verb, struct plugin **pp,
		      bool task)
{
	struct plugin *p;
	int err = 0;

	if (!l || !verb || !pp)
		return EINVAL;

	pthread_mutex_lock(&l->mtx);
	p = loader_find(l, verb);
	if (p) {
		l->st.hits++;
		/* most recently used goes to the tail */
		list_unlink(&p->le);
		list_append(&l->plugins, &p->le, p);
	} else {
		l->st.misses++;
		err = loader_open(l, verb, &p);
		if (err)
			goto out;
	}
	p->users++;
	if (task)
		p->tasks++;
	*pp = mem_ref(p);
out:
	pthread_mutex_unlock(&l->mtx);
	return err;
}

int loader_acquire(struct loader *l, const char *verb, struct plugin **pp)
{
	return loader_get(l, verb, pp, true);
}

void loader_release(struct plugin *p)
{
	struct loader *l;

	if (!p)
		return;
	l = p->loader;
	pthread_mutex_lock(&l->mtx);
	if (p->users)
		p->users--;
	mem_deref(p);
	pthread_mutex_unlock(&l->mtx);
}

uint32_t plugin_flags(const struct plugin *p)
{
	if (!p || !p->desc ||
	    p->desc->size <
		    offsetof(struct fs_plugin, flags) + sizeof(uint32_t))
		return 0;
	return p->desc->flags;
}

const struct fs_plugin *plugin_desc(const struct plugin *p)
{
	return p ? p->desc : NULL;
}

int loader_preload(struct loader *l, const char *list)
{
	struct pl rest, item;
	int last = 0;

	if (!l || !list)
		return EINVAL;

	pl_set_str(&rest, list);
	while (rest.l) {
		char verb[LOADER_NAME_MAX + 1];
		struct plugin *p;
		const char *comma = pl_strchr(&rest, ',');
		int err;

		item.p = rest.p;
		item.l = comma ? (size_t)(comma - rest.p) : rest.l;
		pl_advance(&rest, item.l + (comma ? 1 : 0));

		while (item.l && (*item.p == ' ' || *item.p == '\t'))
			pl_advance(&item, 1);
		while (item.l && (item.p[item.l - 1] == ' ' ||
				  item.p[item.l - 1] == '\t'))
			item.l--;
		if (!item.l)
			continue;
		if (item.l > LOADER_NAME_MAX) {
			fs_error("loader", "preload: verb name too long: %r",
				 &item);
			last = EINVAL;
			continue;
		}
		pl_strcpy(&item, verb, sizeof(verb));
		/* preloading is not a use */
		err = loader_get(l, verb, &p, false);
		if (err) {
			fs_error("loader", "preload of '%s' failed: %m", verb,
				 err);
			last = err;
			continue;
		}
		loader_release(p);
	}
	return last;
}

/* Verb names come from webhooks, and re_snprintf() leaves the buffer
 * empty when the text does not fit: quote a bounded part of the name */
#define LOADER_ERR_NAME 64

static size_t loader_err_len(const char *name)
{
	size_t n = strlen(name);

	return n > LOADER_ERR_NAME ? LOADER_ERR_NAME : n;
}

int loader_validate(struct loader *l, const struct json_object *entry,
		    const char **namep, struct json_object **datap, char *err,
		    size_t errsz)
{
	struct json_object *data = NULL;
	struct json_object *jverb;
	const char *name = NULL;
	struct plugin *p = NULL;
	int e;

	if (!l || !err || !errsz)
		return EINVAL;

	/* a JSON null in the array arrives as NULL */
	if (!entry || !json_object_is_type(entry, json_type_object)) {
		re_snprintf(err, errsz,
			    "malformed jambonz payload: must be array of "
			    "objects");
		return EINVAL;
	}

	if (json_object_object_get_ex(entry, "verb", &jverb)) {
		if (!json_object_is_type(jverb, json_type_string)) {
			re_snprintf(err, errsz,
				    "malformed jambonz payload: verb must be "
				    "a string");
			return EINVAL;
		}
		name = json_object_get_string(jverb);
		data = json_object_new_object();
		if (!data)
			return ENOMEM;
		json_object_object_foreach((struct json_object *)entry, k, v)
		{
			if (!strcmp(k, "verb"))
				continue;
			json_object_object_add(data, k, json_object_get(v));
		}
	} else if (json_object_object_length(entry) == 1) {
		json_object_object_foreach((struct json_object *)entry, k, v)
		{
			name = k;
			data = json_object_get(v);
		}
		if (!json_object_is_type(data, json_type_object)) {
			re_snprintf(err, errsz, "%b: must be an object", name,
				    loader_err_len(name));
			e = EINVAL;
			goto out;
		}
	} else {
		re_snprintf(
			err, errsz,
			"malformed jambonz payload: missing verb property");
		return EINVAL;
	}

	/* the loading itself is not a task */
	e = loader_get(l, name, &p, false);
	if (e == ENOENT) {
		re_snprintf(err, errsz, "invalid instruction: %b", name,
			    loader_err_len(name));
		goto out;
	}
	if (e) {
		re_snprintf(err, errsz, "verb %b unavailable: %m", name,
			    loader_err_len(name), e);
		goto out;
	}
	*err = '\0';
	e = p->desc->validate(data, err, errsz);
	if (e && !*err)
		re_snprintf(err, errsz, "%b: invalid (%m)", name,
			    loader_err_len(name), e);

out:
	loader_release(p);
	if (!e && namep)
		*namep = name;
	if (!e && datap)
		*datap = data;
	else
		json_object_put(data);
	return e;
}

void loader_stats(const struct loader *l, struct loader_stats *st)
{
	if (!l || !st)
		return;
	pthread_mutex_lock((pthread_mutex_t *)&l->mtx);
	*st = l->st;
	st->loaded = list_count(&l->plugins);
	pthread_mutex_unlock((pthread_mutex_t *)&l->mtx);
}

int loader_metrics(const struct loader *l, struct json_object *obj)
{
	struct json_object *names, *per;
	struct le *le;

	if (!l || !obj)
		return EINVAL;

	names = json_object_new_array();
	per = json_object_new_object();
	if (!names || !per) {
		json_object_put(names);
		json_object_put(per);
		return ENOMEM;
	}
	pthread_mutex_lock((pthread_mutex_t *)&l->mtx);
	LIST_FOREACH(&l->plugins, le) {
		const struct plugin *p = le->data;
		struct json_object *o = json_object_new_object();

		json_object_array_add(names, json_object_new_string(p->verb));
		json_object_object_add(
			o, "load_us",
			json_object_new_int64((int64_t)p->load_us));
		json_object_object_add(
			o, "tasks", json_object_new_int64((int64_t)p->tasks));
		json_object_object_add(o, "running",
				       json_object_new_int64(p->users));
		json_object_object_add(per, p->verb, o);
	}
	json_object_object_add(obj, "loaded", names);
	json_object_object_add(obj, "count",
			       json_object_new_int64(list_count(&l->plugins)));
	json_object_object_add(obj, "cache_size",
			       json_object_new_int64(l->cache_size));
	json_object_object_add(obj, "hits",
			       json_object_new_int64((int64_t)l->st.hits));
	json_object_object_add(obj, "misses",
			       json_object_new_int64((int64_t)l->st.misses));
	json_object_object_add(obj, "failures",
			       json_object_new_int64((int64_t)l->st.failures));
	json_object_object_add(obj, "unloads",
			       json_object_new_int64((int64_t)l->st.unloads));
	pthread_mutex_unlock((pthread_mutex_t *)&l->mtx);
	json_object_object_add(obj, "plugins", per);
	return 0;
}
