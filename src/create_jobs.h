/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * create_jobs.h — account creations and imports on worker threads.
 *
 * Generating RSA-4096 keys takes one to four seconds; a daemon serving other
 * callers cannot stop its loop for that. A job runs pb_new_account_build() on
 * a thread of its own and, when it ends, pushes the item it was given at the
 * start (so that the end can never be lost to an allocation failure) onto the
 * context's queue; the owner's thread then takes the job back, installs the
 * account and calls the caller's callback from peerbook_ctx_process().
 */
#pragma once

#include <pthread.h>

#include "account_create.h"
#include "events.h"

#define PB_CREATE_JOBS_MAX 8 /* in flight at once: each holds a core for seconds */

struct pb_create_job {
        struct pb_create_job *next;
        struct pb_new_account account;
        int result; /* of pb_new_account_build(), once the item is queued */
        peerbook_account_done_cb cb;
        void *userdata;
        /* private */
        pthread_t thread;
        pb_queue *queue;
        struct pb_item *done;
};

struct pb_create_jobs {
        struct pb_create_job *head;
        unsigned n;
};

/* Starts building `account` (moved into the job: cleared on return) on a new
 * thread. -EBUSY past PB_CREATE_JOBS_MAX. */
int pb_create_job_start(struct pb_create_jobs *jobs, pb_queue *queue,
                        struct pb_new_account *account, peerbook_account_done_cb cb,
                        void *userdata);
/* Owner thread, for a PB_ITEM_JOB_DONE item: joins the job's thread and
 * returns the job, unlinked (free it with pb_create_job_free()), or NULL. */
struct pb_create_job *pb_create_job_take(struct pb_create_jobs *jobs, const struct pb_item *item);
struct pb_create_job *pb_create_job_free(struct pb_create_job *job);
/* Waits for every job still running and drops its account unreported
 * (peerbook_ctx_free()). */
void pb_create_jobs_abandon(struct pb_create_jobs *jobs);
