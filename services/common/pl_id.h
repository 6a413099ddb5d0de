/* pl_id.h - stable ids: BLAKE2b-128 (libsodium's crypto_generichash) as 32 hex digits.
 *
 * Each id hashes a domain tag and its parts, every part preceded by its length, so ids of
 * different kinds never collide and ("ab","c") never hashes like ("a","bc").
 */
#ifndef PL_ID_H
#define PL_ID_H

#include <stddef.h>

#define PL_ID_BYTES 16
#define PL_ID_HEX   (2 * PL_ID_BYTES) /* characters, without the NUL */

/* Article id from its canonical URL. */
void pl_id_article_url(char out[PL_ID_HEX + 1], const char *url);
/* Article id from its text, for articles without a URL. */
void pl_id_article_content(char out[PL_ID_HEX + 1], const char *text, size_t len);
/* Mention id from the article id, the extractor version and the mention's key. */
void pl_id_mention(char out[PL_ID_HEX + 1], const char *article_id, const char *xv,
                   const char *key);
/* The general form: hashes tag and n parts. */
void pl_id_hash(char out[PL_ID_HEX + 1], const char *tag, const char *const *parts,
                const size_t *lens, size_t n);

#endif
