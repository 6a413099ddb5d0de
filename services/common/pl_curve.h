/* pl_curve.h - CURVE encryption and ZAP authentication for parley's sockets.
 *
 * Switched on with curve.enabled. Every process has a key pair (parley keygen writes one as
 * a config fragment to @include). A bound socket is a CURVE server: it encrypts with its
 * secret key and lets in only clients whose public key is in curve.allow - checked by a ZAP
 * handler this module runs on its own thread, because a CURVE server without a ZAP handler
 * accepts any client key. A connecting socket is a CURVE client: it needs the server's
 * public key. Plaintext peers, and clients with keys not in the list, complete no handshake
 * and see no message.
 */
#ifndef PL_CURVE_H
#define PL_CURVE_H

#include <stdbool.h>
#include <stddef.h>

#include "pl_base.h"
#include "pl_cfg.h"

#define PL_CURVE_KEY_LEN 40 /* a key in Z85 */

struct pl_curve {
    bool enabled;
    char *public_key;        /* this process's, Z85 */
    char *secret_key;        /* this process's, Z85 */
    struct pl_strlist allow; /* public keys of the clients bound sockets let in */
};

/* The "curve.*" keys; base them on a struct pl_curve. */
extern const struct pl_cfg_key pl_curve_cfg_keys[];
extern const size_t pl_curve_cfg_nkeys;

/* Config check for a Z85 key: empty, or 40 Z85 characters that decode. */
const char *pl_cfg_check_curve_key(const char *value);

/* What is wrong with c for a process that binds sockets (server) or not; NULL when fine or
 * CURVE is off. Checks that the secret key matches the public key. */
const char *pl_curve_problem(const struct pl_curve *c, bool server);

/* Makes sock a CURVE server (server_key NULL: it will bind) or a client of the server with
 * that public key. Call before bind or connect. 0, or -1 (logged). */
int pl_curve_apply(void *sock, const struct pl_curve *c, const char *server_key,
                   const char *name) PL_WUR;

struct pl_zap;
/* Starts the ZAP handler for the sockets of ctx that c's servers will bind; NULL (logged)
 * on failure. Stop it with pl_zap_stop after zmq_ctx_term has begun (it ends with the
 * context) - or before, from the same thread that will terminate the context. */
struct pl_zap *pl_zap_start(void *ctx, const struct pl_curve *c) PL_WUR;
/* Waits for the handler to end (the context must be terminating) and frees it. Returns the
 * number of clients it refused. */
unsigned long pl_zap_stop(struct pl_zap **z);

/* Writes a key pair: public and secret Z85 into the buffers. 0 or -1. */
int pl_curve_keypair(char public_key[PL_CURVE_KEY_LEN + 1], char secret_key[PL_CURVE_KEY_LEN + 1]);

#endif
