/* fuzz_html.c - libFuzzer target for HTML to article. Any bytes, under a few declared
 * charsets, must give an article or a reason: no crash, leak or hang, and the text, title,
 * outlet and dates valid UTF-8 without NULs. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_oracle.h"
#include "html.h"
#include "pl_base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {NULL, "text/html; charset=windows-1251",
                                        "text/html; charset=iso-8859-1",
                                        "text/html; charset=utf-8"};
    /* the first byte picks the declared charset, the rest is the page */
    const char *ct = size ? types[data[0] % 4] : NULL;
    const char *body = size ? (const char *)data + 1 : "";
    size_t len = size ? size - 1 : 0;
    struct html_page p;
    char why[256];
    if (html_extract(body, len, ct, "https://example.org/a/b.html", &p, why, sizeof why) != 0)
        return 0;
    const char *fields[] = {p.title, p.published, p.outlet, p.canonical, p.lang, p.text};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i] && !pl_utf8_valid(fields[i], strlen(fields[i]), false))
            abort();
    if (!p.text)
        abort();
    html_page_release(&p);
    return 0;
}
