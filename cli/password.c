/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * password.c — passwords for account create, import and export, read from
 * the terminal (no echo), a file or standard input: never from argv, which
 * every local user can read in /proc/PID/cmdline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

#define PASSWORD_MAX 1024

/* Reads one line (without its end) from fd, byte by byte so that nothing
 * after it is consumed; end of file ends it too. NULL when it is too long. */
static char *read_line(int fd) {
        char buf[PASSWORD_MAX + 1];
        size_t n = 0;

        for (;;) {
                char c;
                ssize_t r = read(fd, &c, 1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0 || c == '\n')
                        break;
                if (n == PASSWORD_MAX) {
                        explicit_bzero(buf, sizeof(buf));
                        return NULL;
                }
                buf[n++] = c;
        }
        if (n && buf[n - 1] == '\r')
                n--;
        char *line = g_strndup(buf, n);
        explicit_bzero(buf, sizeof(buf));
        return line;
}

/* Asks on the terminal with echo off. NULL when there is no terminal. */
static char *ask(int tty, const char *prompt) {
        struct termios saved, quiet;

        if (tcgetattr(tty, &saved) < 0)
                return NULL;
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        if (write(tty, prompt, strlen(prompt)) < 0 || tcsetattr(tty, TCSAFLUSH, &quiet) < 0)
                return NULL;
        char *line = read_line(tty);
        tcsetattr(tty, TCSAFLUSH, &saved);
        return line;
}

static int from_terminal(const char *label, bool confirm, char **ret) {
        int tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (tty < 0)
                return cli_usage_error("cannot ask for the password: no terminal "
                                       "(use --password-file F or --password-stdin)");
        g_autofree char *prompt = g_strdup_printf("%s: ", label ? label : "Password");
        g_autofree char *prompt2 = g_strdup_printf("%s again: ", label ? label : "Password");
        char *first = ask(tty, prompt);
        char *again = first && confirm ? ask(tty, prompt2) : NULL;
        close(tty);
        if (!first || (confirm && !again)) {
                cli_password_free(first);
                cli_password_free(again);
                return cli_error("cannot read the password from the terminal");
        }
        if (confirm && strcmp(first, again) != 0) {
                cli_password_free(first);
                cli_password_free(again);
                return cli_error("the two passwords differ");
        }
        cli_password_free(again);
        *ret = first;
        return CLI_GO_ON;
}

int cli_read_password(const struct cli_password *p, bool confirm, char **ret) {
        *ret = NULL;
        if ((p->prompt ? 1 : 0) + (p->file ? 1 : 0) + (p->from_stdin ? 1 : 0) > 1)
                return cli_usage_error("give one of --password, --password-file and "
                                       "--password-stdin");
        if (p->prompt)
                return from_terminal(p->label, confirm, ret);
        if (!p->file && !p->from_stdin)
                return CLI_GO_ON;
        int fd = p->from_stdin ? STDIN_FILENO : open(p->file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return cli_error("cannot read password file '%s': %s", p->file, g_strerror(errno));
        *ret = read_line(fd);
        if (!p->from_stdin)
                close(fd);
        if (!*ret)
                return cli_error("the password is longer than %d bytes", PASSWORD_MAX);
        return CLI_GO_ON;
}

int cli_read_password_or_ask(struct cli_password *p, bool confirm, char **ret) {
        *ret = NULL;
        if (!p->prompt && !p->file && !p->from_stdin) {
                if (!isatty(STDIN_FILENO))
                        return CLI_GO_ON;
                p->prompt = true;
        }
        return cli_read_password(p, confirm, ret);
}

void cli_password_free(char *password) {
        if (password)
                explicit_bzero(password, strlen(password));
        g_free(password);
}
