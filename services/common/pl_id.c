/* pl_id.c - see pl_id.h. */
#include "pl_id.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static void s_update_part(crypto_generichash_state *st, const void *p, size_t n)
{
    unsigned char len[8];
    uint64_t v = n;
    for (int i = 7; i >= 0; i--) {
        len[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    crypto_generichash_update(st, len, sizeof len);
    crypto_generichash_update(st, p, n);
}

void pl_id_hash(char out[PL_ID_HEX + 1], const char *tag, const char *const *parts,
                const size_t *lens, size_t n)
{
    static int ready;
    if (!ready) {
        if (sodium_init() < 0)
            abort(); /* libsodium cannot start only when the system has no entropy source */
        ready = 1;
    }
    crypto_generichash_state st;
    unsigned char digest[PL_ID_BYTES];
    crypto_generichash_init(&st, NULL, 0, sizeof digest);
    s_update_part(&st, tag, strlen(tag));
    for (size_t i = 0; i < n; i++)
        s_update_part(&st, parts[i], lens[i]);
    crypto_generichash_final(&st, digest, sizeof digest);
    sodium_bin2hex(out, PL_ID_HEX + 1, digest, sizeof digest);
}

void pl_id_article_url(char out[PL_ID_HEX + 1], const char *url)
{
    const char *parts[] = {url};
    size_t lens[] = {strlen(url)};
    pl_id_hash(out, "parley.article.url", parts, lens, 1);
}

void pl_id_article_content(char out[PL_ID_HEX + 1], const char *text, size_t len)
{
    const char *parts[] = {text};
    size_t lens[] = {len};
    pl_id_hash(out, "parley.article.text", parts, lens, 1);
}

void pl_id_mention(char out[PL_ID_HEX + 1], const char *article_id, const char *xv, const char *key)
{
    const char *parts[] = {article_id, xv, key};
    size_t lens[] = {strlen(article_id), strlen(xv), strlen(key)};
    pl_id_hash(out, "parley.mention", parts, lens, 3);
}
