/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stats.h — samples and their percentiles, for the benchmarks' reports. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

struct samples {
        double *v;
        size_t n, cap;
};

static inline void samples_add(struct samples *s, double x) {
        if (s->n == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 64;
                s->v = realloc(s->v, s->cap * sizeof(*s->v));
                if (!s->v)
                        abort();
        }
        s->v[s->n++] = x;
}

static inline int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted samples. */
static inline double samples_pct(struct samples *s, double p) {
        if (!s->n)
                return 0;
        qsort(s->v, s->n, sizeof(*s->v), cmp_double);
        size_t rank = (size_t)(p / 100.0 * (double)s->n + 0.999999);
        if (rank < 1)
                rank = 1;
        if (rank > s->n)
                rank = s->n;
        return s->v[rank - 1];
}

static inline void samples_print(const char *name, struct samples *s) {
        printf("%-44s n=%-4zu p50=%8.1f ms  p95=%8.1f ms  max=%8.1f ms\n", name, s->n,
               samples_pct(s, 50), samples_pct(s, 95), samples_pct(s, 100));
}

/* A field of /proc/self/status in kB ("VmRSS", "VmHWM"), or -1. */
static inline long status_kb(const char *field) {
        FILE *f = fopen("/proc/self/status", "r");
        char line[256];
        long kb = -1;
        size_t n = strlen(field);
        while (f && fgets(line, sizeof(line), f))
                if (!strncmp(line, field, n) && line[n] == ':')
                        kb = strtol(line + n + 1, NULL, 10);
        if (f)
                fclose(f);
        return kb;
}

/* CPU time of this process, every thread, user + system, in ms. */
static inline double cpu_ms(void) {
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) < 0)
                return 0;
        return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
               (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}
