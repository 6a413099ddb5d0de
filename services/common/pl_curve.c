/* pl_curve.c - see pl_curve.h. */
#include "pl_curve.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "pl_log.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

const struct pl_cfg_key pl_curve_cfg_keys[] = {
    {"curve.enabled", PL_CFG_BOOL, offsetof(struct pl_curve, enabled), 0, 0, 0, 0, "false",
     "encrypt every socket with CURVE and let in only the clients in curve.allow", NULL, false},
    {"curve.public_key", PL_CFG_STRING, offsetof(struct pl_curve, public_key), 0, 256, 0, 0, "",
     "this process's public key (Z85; from parley keygen)", pl_cfg_check_curve_key, false},
    {"curve.secret_key", PL_CFG_STRING, offsetof(struct pl_curve, secret_key), 0, 256, 0, 0, "",
     "this process's secret key (Z85; never logged)", pl_cfg_check_curve_key, true},
    {"curve.allow", PL_CFG_LIST, offsetof(struct pl_curve, allow), 1, 256, 0, 0, "",
     "public keys of the clients the bound sockets let in (the others get nothing)",
     pl_cfg_check_curve_key, false},
};
const size_t pl_curve_cfg_nkeys = sizeof pl_curve_cfg_keys / sizeof pl_curve_cfg_keys[0];

const char *pl_cfg_check_curve_key(const char *value)
{
    if (!*value)
        return NULL;
    uint8_t bin[32];
    if (strlen(value) != PL_CURVE_KEY_LEN || !zmq_z85_decode(bin, value))
        return "must be a CURVE key: 40 characters of Z85 (parley keygen writes them)";
    return NULL;
}

const char *pl_curve_problem(const struct pl_curve *c, bool server)
{
    if (!c->enabled)
        return NULL;
    if (!zmq_has("curve"))
        return "curve.enabled, but this libzmq was built without CURVE";
    if (!c->public_key || !*c->public_key || !c->secret_key || !*c->secret_key)
        return "curve.enabled needs curve.public_key and curve.secret_key (parley keygen "
               "writes both; @include the .key file)";
    char derived[PL_CURVE_KEY_LEN + 1];
    if (zmq_curve_public(derived, c->secret_key) != 0 || strcmp(derived, c->public_key) != 0)
        return "curve.secret_key does not belong to curve.public_key";
    if (server && c->allow.n == 0)
        return "curve.enabled with an empty curve.allow: no client could connect (list the "
               "clients' public keys)";
    return NULL;
}

static int s_set(void *sock, int opt, const void *v, size_t len, const char *what, const char *name)
{
    if (zmq_setsockopt(sock, opt, v, len) != 0)
        return pl_log_error("cannot set %s on socket '%s': %s", what, name,
                            zmq_strerror(zmq_errno()));
    return 0;
}

int pl_curve_apply(void *sock, const struct pl_curve *c, const char *server_key, const char *name)
{
    if (!c || !c->enabled)
        return 0;
    if (!server_key) {
        int one = 1;
        return s_set(sock, ZMQ_CURVE_SERVER, &one, sizeof one, "ZMQ_CURVE_SERVER", name) ||
                       s_set(sock, ZMQ_CURVE_SECRETKEY, c->secret_key, PL_CURVE_KEY_LEN,
                             "ZMQ_CURVE_SECRETKEY", name) ||
                       s_set(sock, ZMQ_ZAP_DOMAIN, "parley", 6, "ZMQ_ZAP_DOMAIN", name)
                   ? -1
                   : 0;
    }
    if (strlen(server_key) != PL_CURVE_KEY_LEN)
        return pl_log_error("socket '%s': CURVE is on but the server's public key is missing",
                            name);
    return s_set(sock, ZMQ_CURVE_SERVERKEY, server_key, PL_CURVE_KEY_LEN, "ZMQ_CURVE_SERVERKEY",
                 name) ||
                   s_set(sock, ZMQ_CURVE_PUBLICKEY, c->public_key, PL_CURVE_KEY_LEN,
                         "ZMQ_CURVE_PUBLICKEY", name) ||
                   s_set(sock, ZMQ_CURVE_SECRETKEY, c->secret_key, PL_CURVE_KEY_LEN,
                         "ZMQ_CURVE_SECRETKEY", name)
               ? -1
               : 0;
}

int pl_curve_keypair(char public_key[PL_CURVE_KEY_LEN + 1], char secret_key[PL_CURVE_KEY_LEN + 1])
{
    return zmq_curve_keypair(public_key, secret_key) == 0 ? 0 : -1;
}

/* --- ZAP (RFC 27) ------------------------------------------------------------------------- */

struct pl_zap {
    void *sock;          /* REP bound at ZAP_ENDPOINT, used by the thread only */
    uint8_t (*keys)[32]; /* allowed client keys, binary */
    size_t nkeys;
    pthread_t thread;
    unsigned long allowed, refused;
    struct pl_ratelimit rl;
};

static void s_reply(void *sock, zmq_msg_t *req, const char *code, const char *text,
                    const char *user)
{
    /* version, request id (echoed), status code, status text, user id, metadata */
    zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(sock, zmq_msg_data(&req[1]), zmq_msg_size(&req[1]), ZMQ_SNDMORE);
    zmq_send(sock, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(sock, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(sock, "", 0, 0);
}

static void *s_zap_thread(void *arg)
{
    struct pl_zap *z = arg;
    for (;;) {
        /* version, request id, domain, address, identity, mechanism, credentials... */
        zmq_msg_t f[8];
        size_t n = 0;
        int more = 1;
        bool term = false;
        while (more) {
            zmq_msg_t part;
            zmq_msg_init(&part);
            if (zmq_msg_recv(&part, z->sock, 0) < 0) {
                zmq_msg_close(&part);
                term = zmq_errno() == ETERM;
                break;
            }
            more = zmq_msg_more(&part);
            if (n < 8)
                f[n++] = part;
            else
                zmq_msg_close(&part);
        }
        if (term || more) {
            for (size_t i = 0; i < n; i++)
                zmq_msg_close(&f[i]);
            if (term)
                break;
            continue;
        }
        if (n < 6) {
            /* not a ZAP request: a REP socket must still answer something */
            for (size_t i = 0; i < n; i++)
                zmq_msg_close(&f[i]);
            zmq_send(z->sock, "", 0, 0);
            continue;
        }
        bool ok = false;
        if (zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 && n >= 7 &&
            zmq_msg_size(&f[6]) == 32)
            for (size_t k = 0; k < z->nkeys && !ok; k++)
                ok = memcmp(z->keys[k], zmq_msg_data(&f[6]), 32) == 0;
        if (ok) {
            z->allowed++;
            char user[PL_CURVE_KEY_LEN + 1];
            zmq_z85_encode(user, zmq_msg_data(&f[6]), 32);
            s_reply(z->sock, f, "200", "OK", user);
        } else {
            z->refused++;
            char addr[64];
            snprintf(addr, sizeof addr, "%.*s", (int)zmq_msg_size(&f[3]),
                     (const char *)zmq_msg_data(&f[3]));
            pl_log_limited(&z->rl, PL_LOG_WARN,
                           "refused a client address=%s mechanism=%.*s (not in curve.allow)",
                           addr[0] ? addr : "-", (int)zmq_msg_size(&f[5]),
                           (const char *)zmq_msg_data(&f[5]));
            s_reply(z->sock, f, "400", "key not allowed", "");
        }
        for (size_t i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    }
    zmq_close(z->sock);
    z->sock = NULL;
    return NULL;
}

struct pl_zap *pl_zap_start(void *ctx, const struct pl_curve *c)
{
    struct pl_zap *z = pl_xcalloc(1, sizeof *z);
    z->rl = (struct pl_ratelimit)PL_RATELIMIT_INIT(1000, 5);
    z->keys = pl_xcalloc(c->allow.n ? c->allow.n : 1, sizeof *z->keys);
    for (size_t i = 0; i < c->allow.n; i++)
        if (zmq_z85_decode(z->keys[z->nkeys], c->allow.v[i]))
            z->nkeys++;
    z->sock = zmq_socket(ctx, ZMQ_REP);
    int linger = 0;
    if (!z->sock || zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(z->sock, ZAP_ENDPOINT) != 0) {
        pl_log_error("cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
        if (z->sock)
            zmq_close(z->sock);
        free(z->keys);
        free(z);
        return NULL;
    }
    if (pthread_create(&z->thread, NULL, s_zap_thread, z) != 0) {
        pl_log_error("cannot start the ZAP handler thread");
        zmq_close(z->sock);
        free(z->keys);
        free(z);
        return NULL;
    }
    pl_log_info("CURVE on: ZAP handler allows %zu client keys", z->nkeys);
    return z;
}

unsigned long pl_zap_stop(struct pl_zap **zp)
{
    if (!zp || !*zp)
        return 0;
    struct pl_zap *z = *zp;
    pthread_join(z->thread, NULL);
    unsigned long refused = z->refused;
    free(z->keys);
    free(z);
    *zp = NULL;
    return refused;
}
