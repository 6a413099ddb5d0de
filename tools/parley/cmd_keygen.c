/* cmd_keygen.c - parley keygen: CURVE key pairs for parley's sockets, and the client side of
 * CURVE for the CLI's own connections (--key, --server-key). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "cmds.h"
#include "pl_curve.h"

#define EX_OK        0
#define EX_USAGE     64
#define EX_SOFTWARE  70
#define EX_CANTCREAT 73

static const char *const usage =
    "usage: parley keygen NAME [--dir DIR] [--force]\n"
    "\n"
    "Writes a CURVE key pair for one process (a daemon, or a parley client):\n"
    "  DIR/NAME.key   the pair, as two libconfig settings; readable by its owner only. Put\n"
    "                 @include \"NAME.key\" (on a line of its own) inside the curve = { ... }\n"
    "                 group of NAME's config,\n"
    "                 or give it to parley tail/query/export with --key.\n"
    "  DIR/NAME.pub   the public key alone: what the peers need - the servers list it in their\n"
    "                 curve.allow, the clients of a server give it as their server key.\n"
    "It prints the public key too. Existing files are kept unless --force.\n"
    "\n"
    "  --dir DIR   where to write (default: the current folder)\n"
    "  --force     replace existing files\n"
    "\n"
    "example (store, fetcher, one extractor, one analyst):\n"
    "  for n in store fetcher extractor analyst; do parley keygen $n --dir keys; done\n"
    "  store.cfg:     curve = {\n"
    "                   enabled = true;\n"
    "                   @include \"keys/store.key\"     (on a line of its own)\n"
    "                   allow = [ \"<extractor.pub>\", \"<analyst.pub>\" ];\n"
    "                 };\n"
    "  extractor.cfg: curve = {\n"
    "                   enabled = true;\n"
    "                   @include \"keys/extractor.key\"\n"
    "                 };\n"
    "                 work = { server_key = \"<fetcher.pub>\"; };\n"
    "                 ingest = { server_key = \"<store.pub>\"; };\n"
    "  parley tail --key keys/analyst.key --server-key keys/store.pub\n"
    "\n"
    "exit status: 0 written, 64 usage, 73 cannot write, 70 no CURVE in this libzmq\n";

static int s_write(const char *path, const char *text, mode_t mode, bool force)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), mode);
    if (fd < 0) {
        fprintf(stderr, "parley keygen: cannot write %s: %s%s\n", path, strerror(errno),
                errno == EEXIST ? " (--force replaces it)" : "");
        return -1;
    }
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len && fchmod(fd, mode) == 0;
    if (close(fd) != 0 || !ok) {
        fprintf(stderr, "parley keygen: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int cmd_keygen(int argc, char **argv)
{
    const char *dir = ".";
    bool force = false;
    static const struct option lopts[] = {{"dir", required_argument, NULL, 'd'},
                                          {"force", no_argument, NULL, 'f'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'f':
            force = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return EX_OK;
        default:
            fputs(usage, stderr);
            return EX_USAGE;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    const char *name = argv[optind];
    if (!*name || strlen(name) > 64 ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            strlen(name) ||
        name[0] == '.') {
        fprintf(stderr, "parley keygen: NAME must be letters, digits, '.', '_' or '-' (at most "
                        "64, not starting with '.')\n");
        return EX_USAGE;
    }
    if (!zmq_has("curve")) {
        fprintf(stderr, "parley keygen: this libzmq was built without CURVE\n");
        return EX_SOFTWARE;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "parley keygen: cannot make %s: %s\n", dir, strerror(errno));
        return EX_CANTCREAT;
    }
    char pub[PL_CURVE_KEY_LEN + 1], sec[PL_CURVE_KEY_LEN + 1];
    if (pl_curve_keypair(pub, sec) != 0) {
        fprintf(stderr, "parley keygen: cannot make a key pair: %s\n", zmq_strerror(zmq_errno()));
        return EX_SOFTWARE;
    }
    char path[PATH_MAX], text[512];
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    snprintf(text, sizeof text,
             "# parley CURVE key pair of \"%s\" (parley keygen). Keep it secret: whoever has it\n"
             "# is %s. @include it inside the curve = { ... } group of its config.\n"
             "public_key = \"%s\";\n"
             "secret_key = \"%s\";\n",
             name, name, pub, sec);
    if (s_write(path, text, 0600, force) != 0)
        return EX_CANTCREAT;
    snprintf(path, sizeof path, "%s/%s.pub", dir, name);
    snprintf(text, sizeof text, "%s\n", pub);
    if (s_write(path, text, 0644, force) != 0)
        return EX_CANTCREAT;
    printf("%s\n", pub);
    fprintf(stderr, "parley keygen: wrote %s/%s.key (secret) and %s/%s.pub\n", dir, name, dir,
            name);
    return EX_OK;
}

/* --- the CLI as a CURVE client ------------------------------------------------------------ */

static bool s_key_ok(const char *k)
{
    uint8_t bin[32];
    return strlen(k) == PL_CURVE_KEY_LEN && zmq_z85_decode(bin, k) != NULL;
}

int cli_curve_load(struct cli_curve *c, const char *keyfile, const char *server, const char *prog)
{
    memset(c, 0, sizeof *c);
    if (!keyfile && !server)
        return 0;
    if (!keyfile || !server) {
        fprintf(stderr, "%s: --key and --server-key go together (a CURVE client needs both)\n",
                prog);
        return -1;
    }
    config_t cfg;
    config_init(&cfg);
    const char *pub = NULL, *sec = NULL;
    if (!config_read_file(&cfg, keyfile)) {
        fprintf(stderr, "%s: %s:%d: %s\n", prog, keyfile, config_error_line(&cfg),
                config_error_text(&cfg));
        config_destroy(&cfg);
        return -1;
    }
    if (!config_lookup_string(&cfg, "public_key", &pub))
        (void)config_lookup_string(&cfg, "curve.public_key", &pub);
    if (!config_lookup_string(&cfg, "secret_key", &sec))
        (void)config_lookup_string(&cfg, "curve.secret_key", &sec);
    char derived[PL_CURVE_KEY_LEN + 1];
    if (!pub || !sec || !s_key_ok(pub) || !s_key_ok(sec) || zmq_curve_public(derived, sec) != 0 ||
        strcmp(derived, pub) != 0) {
        fprintf(stderr,
                "%s: %s does not hold a matching public_key and secret_key (parley "
                "keygen writes such a file)\n",
                prog, keyfile);
        config_destroy(&cfg);
        return -1;
    }
    snprintf(c->public_key, sizeof c->public_key, "%s", pub);
    snprintf(c->secret_key, sizeof c->secret_key, "%s", sec);
    config_destroy(&cfg);
    if (s_key_ok(server)) {
        snprintf(c->server_key, sizeof c->server_key, "%s", server);
    } else {
        FILE *fp = fopen(server, "r");
        char line[128] = "";
        bool got = fp && fgets(line, sizeof line, fp) != NULL;
        if (fp)
            fclose(fp);
        line[strcspn(line, "\r\n")] = '\0';
        if (!got || !s_key_ok(line)) {
            fprintf(stderr,
                    "%s: --server-key must be a public key (40 characters of Z85) or a "
                    ".pub file from parley keygen\n",
                    prog);
            return -1;
        }
        snprintf(c->server_key, sizeof c->server_key, "%s", line);
    }
    c->on = true;
    return 0;
}

void *cli_connect(void *ctx, int type, const char *ep, int timeout_ms, const struct cli_curve *c,
                  const char *prog)
{
    void *sock = ctx ? zmq_socket(ctx, type) : NULL;
    int zero = 0;
    if (!sock || zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) != 0 ||
        zmq_setsockopt(sock, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms) != 0 ||
        (type == ZMQ_SUB && (zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "ev.", 3) != 0 ||
                             zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "HB", 2) != 0)) ||
        cli_curve_apply(sock, c) != 0 || zmq_connect(sock, ep) != 0) {
        fprintf(stderr, "%s: cannot connect to %s: %s\n", prog, ep, zmq_strerror(zmq_errno()));
        if (sock)
            zmq_close(sock);
        return NULL;
    }
    return sock;
}

int cli_curve_apply(void *sock, const struct cli_curve *c)
{
    if (!c || !c->on)
        return 0;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, c->server_key, PL_CURVE_KEY_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, c->public_key, PL_CURVE_KEY_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, c->secret_key, PL_CURVE_KEY_LEN) != 0)
        return -1;
    return 0;
}
