/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * replay.c — runs a fuzz target on committed inputs, without libFuzzer.
 *
 * Linked with one fuzz-*.c in place of libFuzzer's main(), so plain CI
 * replays the corpus with any compiler. Each input runs in a child process:
 * a failing input (abort, sanitizer report, leak at exit) is named and
 * counted, and the others still run.
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define INPUT_MAX (1024 * 1024) /* the corpus stays far below; refuse a stray big file */

static unsigned passed, failed;

static int read_file(const char *path, uint8_t **ret, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return -errno;
        uint8_t *buf = malloc(INPUT_MAX);
        size_t n = buf ? fread(buf, 1, INPUT_MAX, f) : 0;
        int r = !buf ? -ENOMEM : ferror(f) ? -EIO : !feof(f) ? -EFBIG : 0;
        fclose(f);
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        *ret_len = n;
        return 0;
}

static void replay_one(const char *path) {
        uint8_t *data = NULL;
        size_t len = 0;
        int r = read_file(path, &data, &len);
        if (r < 0) {
                fprintf(stderr, "cannot read '%s': %s\n", path, strerror(-r));
                failed++;
                return;
        }
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
                /* Exact-size copy, so ASan sees any read past the input. */
                uint8_t *exact = malloc(len ? len : 1);
                memcpy(exact, data, len);
                LLVMFuzzerTestOneInput(exact, len);
                free(exact);
                free(data);
                exit(EXIT_SUCCESS); /* LeakSanitizer runs here */
        }
        free(data);
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) < 0) {
                fprintf(stderr, "cannot run '%s': %s\n", path, strerror(errno));
                failed++;
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                passed++;
        } else {
                fprintf(stderr, "input '%s' failed (%s %d)\n", path,
                        WIFSIGNALED(status) ? "signal" : "exit status",
                        WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
                failed++;
        }
}

static void replay_path(const char *path) {
        struct stat st;
        if (stat(path, &st) < 0) {
                fprintf(stderr, "cannot read '%s': %s\n", path, strerror(errno));
                failed++;
                return;
        }
        if (!S_ISDIR(st.st_mode)) {
                replay_one(path);
                return;
        }
        /* Sorted, so a failure report is the same from run to run. */
        struct dirent **names;
        int n = scandir(path, &names, NULL, alphasort);
        if (n < 0) {
                fprintf(stderr, "cannot list '%s': %s\n", path, strerror(errno));
                failed++;
                return;
        }
        for (int i = 0; i < n; i++) {
                if (names[i]->d_name[0] != '.') {
                        char *p;
                        if (asprintf(&p, "%s/%s", path, names[i]->d_name) < 0)
                                abort();
                        replay_path(p);
                        free(p);
                }
                free(names[i]);
        }
        free(names);
}

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
                return EXIT_FAILURE;
        }
        for (int i = 1; i < argc; i++)
                replay_path(argv[i]);
        printf("replayed %u inputs: %u passed, %u failed\n", passed + failed, passed, failed);
        /* An empty corpus is a mistake in the build, not a pass. */
        return failed == 0 && passed > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
