/*
 * datafile_carry: restarts.  The parent keeps the last good version of
 * every configured file in its carry store: malloc'd, and kept in the
 * process pool's user data, so that it outlives the module's own
 * unloading at a restart.  Children inherit it by fork().  A restart with
 * a file that no longer loads keeps the version carried, and an unchanged
 * file is not parsed again.
 */
#include "datafile_int.h"

#include "http_core.h"
#include "http_log.h"
#include <apr_strings.h>

#include <stdlib.h>
#include <string.h>

APLOG_USE_MODULE(authz_policy);

/* The parent's last good version of each configured file. */
typedef struct carried {
    struct carried *next;
    char *key;                  /* "kind\npath" */
    version source;
    void *image;
    apr_size_t size;
    apr_interval_time_t parse_time;
    int configured;             /* named by the configuration being read */
} carried;

typedef struct {
    carried *head;
    int started;                /* a first start has completed */
} carry_store;

static carry_store *carry;     /* in the process pool's user data */

static carried *carry_find(const char *key)
{
    for (carried *c = carry->head; c; c = c->next)
        if (!strcmp(c->key, key))
            return c;
    return NULL;
}

/* Makes snap's image the carried version of key. */
void carry_put(const char *key, snapshot *snap)
{
    carried *c = carry_find(key);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c || !(c->key = strdup(key))) {
            free(c);
            return;                     /* not carried: freed with snap */
        }
        c->next = carry->head;
        carry->head = c;
    }
    else if (c->image != snap->image) {
        free(c->image);
    }
    c->image = (void *)snap->image;
    c->size = snap->size;
    c->source = snap->source;
    c->parse_time = snap->parse_time;
    c->configured = 1;
    snap->carried = 1;
}

static snapshot *from_carried(const datafile_type *type, const carried *c)
{
    snapshot *snap = snapshot_new();
    if (!snap)
        return NULL;
    snap->image = c->image;
    snap->size = c->size;
    snap->entries = type->count ? type->count(c->image) : 0;
    snap->type = type;
    snap->source = c->source;
    snap->parse_time = c->parse_time;
    snap->carried = 1;
    snap->kept = 1;
    snap->handle = type->open ? type->open(c->image, c->size) : c->image;
    if (!snap->handle) {
        free(snap);
        return NULL;
    }
    return snap;
}

/* Frees the carry store when pconf goes for good (it is only cleared, in
 * the DESTROY_CONFIG state, at a restart, when the store must live on).  A pre-
 * cleanup of pconf: it runs while this module's code is still loaded. */
static apr_status_t carry_free(void *store)
{
    carry_store *kept = store;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_DESTROY_CONFIG)
        return APR_SUCCESS;             /* a restart: it lives on */
    for (carried *c = kept->head, *next; c; c = next) {
        next = c->next;
        /* in a child, the images belong to its snapshots */
        if (!in_child)
            free(c->image);
        free(c->key);
        free(c);
    }
    kept->head = NULL;
    return APR_SUCCESS;
}

/* pre_config, before the MPM's (which may detach, the launcher exiting):
 * finds the store, or makes it at a first start; no file is configured
 * yet. */
void carry_attach(apr_pool_t *pconf)
{
    /* The carry store lives in the process pool, which outlives pconf
     * and this module's own unloading at a restart. */
    apr_pool_t *process = apr_pool_parent_get(pconf);
    void *found = NULL;
    apr_pool_userdata_get(&found, "authz_policy_carry", process);
    if (!found) {
        found = apr_pcalloc(process, sizeof(carry_store));
        apr_pool_userdata_set(found, "authz_policy_carry", NULL, process);
    }
    carry = found;
    apr_pool_pre_cleanup_register(pconf, carry, carry_free);
    for (carried *c = carry->head; c; c = c->next)
        c->configured = 0;
}

/* The version of a configured file (key: "kind\npath") that the parent
 * starts from: the carried one if the file is unchanged, else the file
 * parsed now, else (at a restart) the carried one.  NULL on success,
 * else an error that names the file, with *failed the version that did
 * not load (zero if none could be opened; meaningless on success). */
const char *carry_load(apr_pool_t *p, const datafile_type *type,
                       const char *path, const char *key, snapshot **out,
                       version *failed)
{
    carried *c = carry_find(key);
    struct stat st;
    version now;
    snapshot *snap = NULL;
    memset(failed, 0, sizeof *failed);
    /* unchanged since the last configuration cycle: not parsed again */
    if (c && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        version_of(&st, &now);
        if (same_version(&now, &c->source))
            snap = from_carried(type, c);
    }
    if (!snap) {
        char why[512];
        int again;
        snap = load_configured(type, path, 0, NULL, 1, why, sizeof why,
                               &again, failed);
        /* not at the first of the two passes of a first start: the
         * launcher, which detaches in the second, left what it carried
         * unfreed (LeakSanitizer, make test-asan) */
        if (snap && ap_state_query(AP_SQ_MAIN_STATE)
                    != AP_SQ_MS_CREATE_PRE_CONFIG) {
            carry_put(key, snap);
        }
        else if (c && carry->started) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, NULL, AZPLOGNO(00031)
                         "%s %s: %s; the version loaded before stays in "
                         "force", type->kind, path, why);
            snap = from_carried(type, c);
        }
        if (!snap)
            return apr_psprintf(p, "%s %s: %s", type->kind, path, why);
    }
    c = carry_find(key);
    if (c)
        c->configured = 1;
    *out = snap;
    return NULL;
}

/* 1 once a first start has completed: from then on, configuration cycles
 * are restarts. */
int carry_started(void)
{
    return carry->started;
}

/* post_config, after the real pass: forgets the files this configuration
 * no longer names; a start has completed. */
void carry_forget_unconfigured(void)
{
    for (carried **cp = &carry->head; *cp;) {
        carried *c = *cp;
        if (c->configured) {
            cp = &c->next;
            continue;
        }
        *cp = c->next;
        free(c->image);
        free(c->key);
        free(c);
    }
    carry->started = 1;
}
