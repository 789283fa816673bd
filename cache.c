/*
 * cache: how long an area keeps attributes from SQL and LDAP
 * (AuthzPolicyCacheTimeout), the cache itself staying a server setting
 * (AuthzPolicyCache, attrs.c).
 *
 * Areas with different lifetimes share the server's cache, so an answer
 * carries the time it was fetched and each area judges its age by its own
 * lifetime: a billing area that keeps answers for 5 seconds never uses
 * one that the rest of the site, keeping them for 5 minutes, stored a
 * minute ago.
 */
#include "policy.h"
#include "hash.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include <stdlib.h>

/* The longest lifetime, as for AuthzPolicyCache: a year. */
#define LONGEST_SECONDS (86400L * 365)
/* The most AuthzPolicyCacheMemo may keep per process. */
#define MEMO_MOST_ENTRIES 65536
/* Bounds of one memo entry: a key of a longer user name is not kept; no
 * text is, either, that AuthzPolicyCache would not store (attrs.c). */
#define MEMO_KEY_MAX 1024
#define MEMO_TEXT_MAX 8192

/* The longest AuthzPolicyCacheTimeout of the configuration being read. */
static apr_interval_time_t longest_area_lifetime;

void policy_cache_pre_config(void)
{
    longest_area_lifetime = 0;
}

apr_interval_time_t policy_cache_longest_area_lifetime(void)
{
    return longest_area_lifetime;
}

const char *policy_cache_timeout_directive(cmd_parms *cmd, void *dirv,
                                           const char *arg)
{
    policy_dir_conf *d = dirv;
    char *end;
    long secs = strtol(arg, &end, 10);
    if (!*arg || *end || secs < 0 || secs > LONGEST_SECONDS)
        return apr_psprintf(cmd->pool, "AuthzPolicyCacheTimeout: '%s' is not "
                            "a number of seconds (0 to %ld)", arg,
                            LONGEST_SECONDS);
    d->cache_ttl = apr_time_from_sec(secs);
    d->cache_ttl_set = 1;
    if (d->cache_ttl > longest_area_lifetime)
        longest_area_lifetime = d->cache_ttl;
    return NULL;
}

const char *policy_cache_memo_directive(cmd_parms *cmd,
                                        policy_server_conf *sc,
                                        const char *arg)
{
    char *end;
    long entries = strtol(arg, &end, 10);
    if (!*arg || *end || entries < 0 || entries > MEMO_MOST_ENTRIES)
        return apr_psprintf(cmd->pool, "AuthzPolicyCacheMemo: '%s' is not "
                            "a number of entries (0 to %d)", arg,
                            MEMO_MOST_ENTRIES);
    sc->cache_memo = (unsigned)entries;
    sc->cache_memo_set = 1;
    return NULL;
}

apr_interval_time_t policy_cache_lifetime(request_rec *r,
                                          const policy_cache *c)
{
    const policy_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                    &authz_policy_module);
    return d->cache_ttl_set ? d->cache_ttl : c->ttl;
}

/* The stored form: "t", the microsecond it was fetched, a newline, then
 * the values, one per line.  (Servers before area lifetimes stored "v"
 * and the values: each kind of server takes the other's for a miss.) */
const char *policy_cache_stamp(apr_pool_t *p, apr_time_t fetched)
{
    return apr_psprintf(p, "t%" APR_TIME_T_FMT "\n", fetched);
}

/* How far ahead of this server's clock a stamp may be: a fleet's clocks
 * kept by NTP differ by far less. */
#define STAMP_AHEAD_TOLERATED apr_time_from_sec(1)

const char *policy_cache_fresh(const char *text, apr_time_t now,
                               apr_interval_time_t lifetime)
{
    if (text[0] != 't')
        return NULL;
    /* the digits read here: strtol (locales, bases, signs) took a
     * quarter of a cache hit's instructions (make bench-instructions).
     * At most 18 digits, so no overflow; a longer stamp is a miss. */
    const char *end = text + 1;
    apr_int64_t fetched = 0;
    while (apr_isdigit(*end) && end - text <= 18)
        fetched = fetched * 10 + (*end++ - '0');
    if (end == text + 1 || *end != '\n' || now - fetched >= lifetime)
        return NULL;
    /* stamped by a server whose clock is ahead: its age cannot be judged,
     * and a memo would keep it for as long as the clocks differ */
    if (fetched - now > STAMP_AHEAD_TOLERATED)
        return NULL;
    return end + 1;
}

/*
 * The memo: each process's copies of what a networked cache (Redis,
 * memcached) answered or was given, so that a request for an answer the
 * process already saw skips the round trip and apr-util's client.  A copy
 * is exactly the stored text, stamp included, so every area judges its age
 * by its own lifetime as for the shared cache's answer: the memo never
 * makes an answer live longer, it only stops a process from seeing, within
 * that lifetime, a newer answer another server stored.
 *
 * Direct-mapped: a key has one slot (its FNV-1a hash modulo the entries),
 * and takes it from whatever was there.  Entries are malloc'd, one block
 * for key and text, and freed when replaced, when too old for any area,
 * and with the process; the slots are made once.  The lock is held only
 * to compare and copy.
 */
typedef struct {
    uint64_t hash;
    char *key;                  /* NULL: empty; then the text, NUL-ended */
    apr_size_t key_len;
    apr_size_t text_len;
} memo_slot;

struct policy_memo {
    apr_thread_mutex_t *lock;
    memo_slot *slots;
    unsigned entries;
    apr_interval_time_t longest;
};

static apr_status_t memo_free_all(void *data)
{
    policy_memo *m = data;
    for (unsigned i = 0; i < m->entries; i++) {
        free(m->slots[i].key);
        m->slots[i].key = NULL;
    }
    return APR_SUCCESS;
}

void policy_memo_child_init(policy_cache *c, apr_pool_t *pchild)
{
    if (!c->memo_entries || c->memo)
        return;
    policy_memo *m = apr_pcalloc(pchild, sizeof *m);
    if (apr_thread_mutex_create(&m->lock, APR_THREAD_MUTEX_DEFAULT, pchild)
        != APR_SUCCESS)
        return;                     /* no memo: every answer from the cache */
    m->entries = c->memo_entries;
    m->slots = apr_pcalloc(pchild, m->entries * sizeof *m->slots);
    m->longest = c->longest;
    apr_pool_cleanup_register(pchild, m, memo_free_all,
                              apr_pool_cleanup_null);
    c->memo = m;
}

const char *policy_memo_get(policy_memo *m, const char *key,
                            apr_size_t key_len, apr_time_t now,
                            apr_interval_time_t lifetime, apr_pool_t *p)
{
    uint64_t hash = hash_fnv1a64(key, key_len);
    memo_slot *slot = &m->slots[hash % m->entries];
    char *stale = NULL;
    const char *copy = NULL;
    if (apr_thread_mutex_lock(m->lock) != APR_SUCCESS)
        return NULL;
    /* the whole key: user names are the client's to choose */
    if (slot->key && slot->hash == hash && slot->key_len == key_len
        && !memcmp(slot->key, key, key_len)) {
        const char *text = slot->key + key_len;
        const char *values = policy_cache_fresh(text, now, lifetime);
        if (values)
            copy = apr_pstrmemdup(p, values,
                                  slot->text_len - (apr_size_t)(values - text));
        else if (!policy_cache_fresh(text, now, m->longest)) {
            stale = slot->key;      /* no area would use it */
            slot->key = NULL;
        }
    }
    apr_thread_mutex_unlock(m->lock);
    free(stale);
    return copy;
}

void policy_memo_put(policy_memo *m, const char *key, apr_size_t key_len,
                     const char *text, apr_size_t text_len)
{
    if (key_len > MEMO_KEY_MAX || text_len >= MEMO_TEXT_MAX)
        return;
    char *block = malloc(key_len + text_len + 1);
    if (!block)
        return;
    memcpy(block, key, key_len);
    memcpy(block + key_len, text, text_len);
    block[key_len + text_len] = '\0';
    uint64_t hash = hash_fnv1a64(key, key_len);
    memo_slot *slot = &m->slots[hash % m->entries];
    if (apr_thread_mutex_lock(m->lock) != APR_SUCCESS) {
        free(block);
        return;
    }
    char *old = slot->key;
    slot->hash = hash;
    slot->key = block;
    slot->key_len = key_len;
    slot->text_len = text_len;
    apr_thread_mutex_unlock(m->lock);
    free(old);
}
