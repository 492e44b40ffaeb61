/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * check.h — the tests' tiny harness: CHECK() records a pass or a failure
 * with its line, check_summary() prints "N passed, N failed" and gives the
 * exit status (ctest reads both).
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                              \
        do {                                                                                     \
                if (cond)                                                                        \
                        check_passed++;                                                          \
                else {                                                                           \
                        check_failed++;                                                          \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
                }                                                                                \
        } while (0)

#define CHECK_EQ(a, b)                                                                    \
        do {                                                                              \
                long long _a = (long long)(a), _b = (long long)(b);                       \
                if (_a == _b)                                                             \
                        check_passed++;                                                   \
                else {                                                                    \
                        check_failed++;                                                   \
                        fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", \
                                __FILE__, __LINE__, #a, #b, _a, _b);                      \
                }                                                                         \
        } while (0)

static inline int check_summary(void) {
        printf("%d passed, %d failed\n", check_passed, check_failed);
        return check_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
