/* db_pg.c - the PostgreSQL backend (libpq). Not built yet: choosing it is a clear error. */
#include <stdio.h>

#include "db_backend.h"

void *store_pg_open(const struct store_db_config *cfg, const struct store_db_ops **ops, char *err,
                    size_t errlen)
{
    (void)cfg;
    (void)ops;
    snprintf(err, errlen,
             "the postgres backend is not available in this build yet; "
             "use store.backend = \"sqlite\"");
    return NULL;
}
