/* fuzz_robots.c - libFuzzer target for robots.txt and for splitting stdin into articles.
 * robots: any body parses; matching a few paths (and the input's own lines as paths) must
 * not crash or hang; /robots.txt is always allowed. Split: every split takes at least one
 * byte and never more than there is. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_oracle.h"
#include "robots.h"
#include "sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct robots *r = robots_parse(body, size, "parley");
    static const char *const paths[] = {"/", "/a", "/private/x?y=1", "/%41b*c$", ""};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        (void)robots_allowed(r, paths[i]);
    char path[256];
    size_t n = size < sizeof path - 2 ? size : sizeof path - 2;
    path[0] = '/';
    memcpy(path + 1, data, n);
    path[n + 1] = '\0';
    (void)robots_allowed(r, path);
    if (!robots_allowed(r, "/robots.txt"))
        abort();
    (void)robots_crawl_delay_ms(r);
    robots_free(&r);

    for (size_t off = 0; off < size;) {
        size_t alen = 0;
        size_t used = sources_split(body + off, size - off, true, &alen);
        if (used == 0 || used > size - off || alen > used)
            abort();
        off += used;
    }
    return 0;
}
