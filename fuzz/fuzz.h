/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz.h — shared by the fuzz targets.
 *
 * A target aborts on anything a decoder must never do: a return code outside
 * its contract, or a successful decode that does not survive re-encoding.
 * abort() rather than assert(), so the checks hold in NDEBUG builds too.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                      \
        do {                                                                                  \
                if (!(cond)) {                                                                \
                        fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, \
                                #cond);                                                       \
                        abort();                                                              \
                }                                                                             \
        } while (0)
