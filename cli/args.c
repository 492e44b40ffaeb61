/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * args.c — command-line parsing shared by every command.
 *
 * Options may come before, between or after positional arguments, as
 * `--name value` or `--name=value`; `--` ends the options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

long cli_parse_number(const char *s, long max) {
        size_t n = strlen(s);
        if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
                return -1;
        long v = strtol(s, NULL, 10);
        return v <= max ? v : -1;
}

static const struct cli_option *find_option(const struct cli_option *options, const char *name,
                                            size_t len) {
        for (const struct cli_option *o = options; o && o->name; o++)
                if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                        return o;
        return NULL;
}

static int usage_error(const char *command, const char *what, const char *arg) {
        fprintf(stderr, "peerbook: %s: %s '%s' (see 'peerbook %s --help')\n", command, what, arg,
                command);
        return -1;
}

int cli_parse_args(struct cli *cli, const char *command, const char *usage, int argc, char **argv,
                   const struct cli_option *options, const char **positional, int min_pos,
                   int max_pos) {
        bool help = false;
        const struct cli_option common[] = {
                CLI_FLAG("json", &cli->json),
                CLI_VALUE("bus-name", &cli->bus_name),
                CLI_FLAG("help", &help),
                {},
        };
        int n_pos = 0;
        bool only_positional = false;

        for (int i = 0; i < argc; i++) {
                const char *arg = argv[i];
                if (only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
                        if (n_pos == max_pos)
                                return usage_error(command, "unexpected argument", arg);
                        positional[n_pos++] = arg;
                        continue;
                }
                if (strcmp(arg, "--") == 0) {
                        only_positional = true;
                        continue;
                }
                if (strcmp(arg, "-h") == 0) {
                        help = true;
                        continue;
                }
                if (arg[1] != '-')
                        return usage_error(command, "unknown option", arg);
                const char *name = arg + 2, *eq = strchr(name, '=');
                size_t len = eq ? (size_t)(eq - name) : strlen(name);
                const struct cli_option *o = find_option(options, name, len);
                if (!o)
                        o = find_option(common, name, len);
                if (!o)
                        return usage_error(command, "unknown option", arg);
                if (o->flag) {
                        if (eq)
                                return usage_error(command, "option takes no value", arg);
                        *o->flag = true;
                } else if (eq) {
                        *o->value = eq + 1;
                } else if (i + 1 < argc) {
                        *o->value = argv[++i];
                } else {
                        return usage_error(command, "missing value for option", arg);
                }
        }
        if (help) {
                fputs(usage, stdout);
                return 1;
        }
        if (n_pos < min_pos) {
                const char *synopsis = g_str_has_prefix(usage, "usage: ") ? usage + 7 : usage;
                int len = (int)strcspn(synopsis, "\n");
                fprintf(stderr, "peerbook: %s: missing argument (usage: %.*s)\n", command, len,
                        synopsis);
                return -1;
        }
        return 0;
}

int cli_dispatch(struct cli *cli, const char *group, const char *usage,
                 const struct cli_subcommand *cmds, size_t n, int argc, char **argv) {
        const char *sep = *group ? ": " : "", *space = *group ? " " : "";

        if (argc == 0)
                return cli_usage_error("%s%smissing command (see 'peerbook %s%s--help')", group,
                                       sep, group, space);
        if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
            strcmp(argv[0], "help") == 0) {
                fputs(usage, stdout);
                return EXIT_SUCCESS;
        }
        for (size_t i = 0; i < n; i++)
                if (strcmp(argv[0], cmds[i].name) == 0)
                        return cmds[i].run(cli, argc - 1, argv + 1);
        return cli_usage_error("%s%sunknown command '%s' (see 'peerbook %s%s--help')", group, sep,
                               argv[0], group, space);
}
