/* fuzz_msg.c - libFuzzer target for pl_msg_decode. The first byte picks the command (one
 * value in thirteen is no command at all), the rest is the body frame. */
#include <string.h>

#include "fuzz_oracle.h"
#include "pl_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum pl_cmd cmd = (enum pl_cmd)(data[0] % PL_CMD_COUNT_);
    const char *name = pl_cmd_name(cmd);
    struct pl_msg m;
    enum pl_status st =
        pl_msg_decode(name ? name : "NOPE", name ? strlen(name) : 4, data + 1, size - 1, &m, NULL);
    if ((st == PL_E_COMMAND) != (name == NULL))
        __builtin_trap();
    if (st == PL_OK)
        pl_msg_release(&m);
    if (name)
        fuzz_check(pl_msg_schema(cmd), data + 1, size - 1);
    return 0;
}
