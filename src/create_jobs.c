/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * create_jobs.c — see create_jobs.h. Each job's thread touches only its own
 * pb_new_account and its result, then hands the job over by queueing its item:
 * the queue's lock orders those writes before the owner reads them.
 */
#include "create_jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *run(void *arg) {
        struct pb_create_job *job = arg;
        job->result = pb_new_account_build(&job->account);
        struct pb_item *done = job->done;
        job->done = NULL;
        pb_queue_push(job->queue, done); /* the owner may take the job from here on */
        return NULL;
}

int pb_create_job_start(struct pb_create_jobs *jobs, pb_queue *queue,
                        struct pb_new_account *account, peerbook_account_done_cb cb,
                        void *userdata) {
        if (jobs->n >= PB_CREATE_JOBS_MAX)
                return -EBUSY;
        struct pb_create_job *job = calloc(1, sizeof(*job));
        struct pb_item *done = pb_item_new(PB_ITEM_JOB_DONE, sizeof(job));
        if (!job || !done) {
                free(job);
                free(done);
                return -ENOMEM;
        }
        memcpy(done->data, &job, sizeof(job));
        *job = (struct pb_create_job){
                .account = *account, .cb = cb, .userdata = userdata, .queue = queue, .done = done
        };
        int r = -pthread_create(&job->thread, NULL, run, job);
        if (r < 0) {
                free(done);
                free(job); /* the account stays the caller's */
                return r;
        }
        *account = (struct pb_new_account){ 0 };
        job->next = jobs->head;
        jobs->head = job;
        jobs->n++;
        return 0;
}

static void unlink_job(struct pb_create_jobs *jobs, struct pb_create_job *job) {
        for (struct pb_create_job **p = &jobs->head; *p; p = &(*p)->next)
                if (*p == job) {
                        *p = job->next;
                        jobs->n--;
                        return;
                }
}

struct pb_create_job *pb_create_job_take(struct pb_create_jobs *jobs, const struct pb_item *item) {
        struct pb_create_job *job;
        memcpy(&job, item->data, sizeof(job));
        for (struct pb_create_job *j = jobs->head; j; j = j->next)
                if (j == job) {
                        pthread_join(job->thread, NULL); /* it has queued its item: ending */
                        unlink_job(jobs, job);
                        job->next = NULL;
                        return job;
                }
        return NULL;
}

struct pb_create_job *pb_create_job_free(struct pb_create_job *job) {
        if (job) {
                pb_new_account_clear(&job->account);
                free(job->done);
                free(job);
        }
        return NULL;
}

void pb_create_jobs_abandon(struct pb_create_jobs *jobs) {
        while (jobs->head) {
                struct pb_create_job *job = jobs->head;
                pthread_join(job->thread, NULL);
                unlink_job(jobs, job);
                pb_create_job_free(job);
        }
}
