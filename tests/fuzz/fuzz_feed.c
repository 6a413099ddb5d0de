/* fuzz_feed.c - libFuzzer target for RSS/Atom parsing: any bytes give items or a reason, no
 * crash, leak or hang; every item has an http(s) link and valid UTF-8, and a published
 * time, when there is one, in the promised form. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_oracle.h"
#include "feed.h"
#include "pl_base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feed f;
    char why[256];
    if (feed_parse((const char *)data, size, "https://example.org/feed/", &f, why, sizeof why) != 0)
        return 0;
    if (f.n_items > FEED_MAX_ITEMS)
        abort();
    for (size_t i = 0; i < f.n_items; i++) {
        const struct feed_item *it = &f.items[i];
        if (!it->link ||
            (strncasecmp(it->link, "http://", 7) != 0 && strncasecmp(it->link, "https://", 8) != 0))
            abort();
        const char *s[] = {it->link, it->title, it->published, it->id};
        for (size_t k = 0; k < 4; k++)
            if (s[k] && !pl_utf8_valid(s[k], strlen(s[k]), false))
                abort();
        if (it->published && strlen(it->published) != 20)
            abort();
    }
    feed_release(&f);
    return 0;
}
