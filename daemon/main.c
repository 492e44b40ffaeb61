/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main.c — peerbookd: options, the bus name, and libpeerbook inside the GLib
 * main loop.
 *
 * Start-up order matters. The objects are exported first, then the name is
 * requested, and the library context (which starts the accounts' DHT nodes)
 * is created only once the name is ours: a second peerbookd started by
 * mistake on the same data must not run the same accounts, nor say goodbye
 * for them when it exits. One under another bus name is stopped by the
 * library's lock on the data directory (-EBUSY): it exits with one line.
 * Method calls are dispatched from the main loop, so none runs before the
 * context exists.
 *
 * Threads: one. The library's fd wakes the loop; peerbook_ctx_process() runs
 * on this thread and calls on_event(), which emits the D-Bus signals.
 */
#include <errno.h>
#include <getopt.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"

struct options {
        const char *bus_name;
        const char *data_dir;
        unsigned key_bits;
};

/* ---- libpeerbook as a GSource ------------------------------------------
 * One source carries both the fd and the timeout: prepare() asks the library
 * for its timeout on every loop iteration, so work scheduled by a method call
 * is honoured without re-arming a separate timer by hand. */

struct ctx_source {
        GSource source;
        peerbook_ctx *ctx;
        gpointer fd_tag;
};

static gboolean ctx_source_prepare(GSource *source, gint *timeout) {
        struct ctx_source *s = (struct ctx_source *)source;
        *timeout = peerbook_ctx_get_timeout_ms(s->ctx);
        return *timeout == 0;
}

static gboolean ctx_source_check(GSource *source) {
        struct ctx_source *s = (struct ctx_source *)source;
        return (g_source_query_unix_fd(source, s->fd_tag) & G_IO_IN) ||
               peerbook_ctx_get_timeout_ms(s->ctx) == 0;
}

static gboolean ctx_source_dispatch(GSource *source, GSourceFunc callback, gpointer userdata) {
        struct ctx_source *s = (struct ctx_source *)source;
        peerbook_ctx_process(s->ctx);
        return G_SOURCE_CONTINUE;
}

static GSourceFuncs ctx_source_funcs = {
        .prepare = ctx_source_prepare,
        .check = ctx_source_check,
        .dispatch = ctx_source_dispatch,
};

static GSource *ctx_source_new(peerbook_ctx *ctx) {
        GSource *source = g_source_new(&ctx_source_funcs, sizeof(struct ctx_source));
        struct ctx_source *s = (struct ctx_source *)source;
        s->ctx = ctx;
        s->fd_tag = g_source_add_unix_fd(source, peerbook_ctx_get_fd(ctx), G_IO_IN);
        g_source_set_name(source, "peerbook");
        return source;
}

/* ---- events, signals, the bus name --------------------------------------- */

static void on_event(const struct peerbook_event *event, void *userdata) {
        struct daemon *d = userdata;

        switch (event->type) {
        case PEERBOOK_EVENT_REGISTRATION: configuration_manager_on_registration(d, event); break;
        case PEERBOOK_EVENT_BUDDY: presence_manager_on_buddy(d, event); break;
        case PEERBOOK_EVENT_TRUST_REQUEST:
        case PEERBOOK_EVENT_CONTACT_ADDED:
        case PEERBOOK_EVENT_CONTACT_REMOVED: contacts_on_event(d, event); break;
        case PEERBOOK_EVENT_DEVICES_CHANGED:
                configuration_manager_on_devices_changed(d, event);
                break;
        case PEERBOOK_EVENT_DEVICE_REVOKED:
                configuration_manager_on_device_revoked(d, event);
                break;
        case PEERBOOK_EVENT_NEARBY: break; /* nearbyPeerNotification: the D-Bus side comes next */
        }
}

static gboolean on_quit_signal(gpointer userdata) {
        struct daemon *d = userdata;
        g_main_loop_quit(d->loop);
        return G_SOURCE_CONTINUE;
}

struct startup {
        struct daemon *daemon;
        const struct options *options;
};

static void on_name_acquired(GDBusConnection *connection, const char *name, gpointer userdata) {
        struct startup *st = userdata;
        struct daemon *d = st->daemon;
        struct peerbook_ctx_options opts = {
                .size = sizeof(opts),
                .data_dir = st->options->data_dir,
                .key_bits = st->options->key_bits,
        };

        if (d->ctx)
                return;
        int r = peerbook_ctx_new(&opts, &d->ctx);
        if (r < 0) {
                /* -EBUSY: another peerbookd (any bus name) runs on this data */
                if (st->options->data_dir)
                        fprintf(stderr, "peerbookd: cannot start on '%s': %s\n",
                                st->options->data_dir, peerbook_strerror(r));
                else
                        fprintf(stderr, "peerbookd: cannot start: %s\n", peerbook_strerror(r));
                d->exit_status = EXIT_FAILURE;
                g_main_loop_quit(d->loop);
                return;
        }
        peerbook_ctx_set_event_cb(d->ctx, on_event, d);
        d->ctx_source = ctx_source_new(d->ctx);
        g_source_attach(d->ctx_source, NULL);
        fprintf(stderr, "peerbookd: acquired the name %s on the session bus\n", name);
}

/* Whether the name is owned: told apart from a bus that refuses it to us. */
static bool name_has_owner(GDBusConnection *connection, const char *name) {
        g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
                connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "NameHasOwner", g_variant_new("(s)", name), G_VARIANT_TYPE("(b)"),
                G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
        gboolean owned = FALSE;
        if (reply)
                g_variant_get(reply, "(b)", &owned);
        return owned;
}

static void on_name_lost(GDBusConnection *connection, const char *name, gpointer userdata) {
        struct startup *st = userdata;
        struct daemon *d = st->daemon;

        if (d->ctx)
                fprintf(stderr, "peerbookd: lost the name %s, exiting\n", name);
        else if (!connection)
                fprintf(stderr, "peerbookd: cannot reach the session bus\n");
        else if (name_has_owner(connection, name))
                fprintf(stderr,
                        "peerbookd: cannot own the name %s: another process owns it "
                        "(another peerbookd?)\n",
                        name);
        else
                fprintf(stderr,
                        "peerbookd: cannot own the name %s: the bus refused it "
                        "(its policy does not allow it)\n",
                        name);
        d->exit_status = EXIT_FAILURE;
        g_main_loop_quit(d->loop);
}

static bool export_object(GDBusConnection *bus, GDBusInterfaceSkeleton *object, const char *path) {
        g_autoptr(GError) error = NULL;
        if (g_dbus_interface_skeleton_export(object, bus, path, &error))
                return true;
        fprintf(stderr, "peerbookd: cannot export %s: %s\n", path, error->message);
        return false;
}

/* ---- options ------------------------------------------------------------- */

static void usage(FILE *out) {
        fputs("usage: peerbookd [--bus-name NAME] [--data-dir DIR] [--key-bits N]\n"
              "\n"
              "Hosts peerbook accounts and serves cx.ring.Ring.ConfigurationManager and\n"
              "cx.ring.Ring.PresenceManager on D-Bus.\n"
              "\n"
              "  --bus-name NAME  the name to own (default " PB_DBUS_DEFAULT_BUS_NAME ")\n"
              "  --data-dir DIR   where accounts live (default $XDG_DATA_HOME/peerbook)\n"
              "  --key-bits N     RSA key size for new accounts and devices (default 4096)\n"
              "  --help           show this help\n"
              "  --version        show the version\n",
              out);
}

static int parse_options(int argc, char **argv, struct options *o) {
        static const struct option longopts[] = {
                { "bus-name", required_argument, NULL, 'b' },
                { "data-dir", required_argument, NULL, 'd' },
                { "system", no_argument, NULL, 's' },
                { "key-bits", required_argument, NULL, 'k' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        int c;
        char *end;

        *o = (struct options){ .bus_name = PB_DBUS_DEFAULT_BUS_NAME };
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
                switch (c) {
                case 'b':
                        if (!g_dbus_is_name(optarg) || g_dbus_is_unique_name(optarg)) {
                                fprintf(stderr, "peerbookd: invalid bus name '%s'\n", optarg);
                                return -1;
                        }
                        o->bus_name = optarg;
                        break;
                case 'd': o->data_dir = optarg; break;
                case 's':
                        /* No system-bus policy is shipped, and none that lets
                         * other users near an account's keys would be safe. */
                        fprintf(stderr, "peerbookd: --system is not supported: peerbookd serves "
                                        "one user, on the session bus\n");
                        return -1;
                case 'k': {
                        errno = 0;
                        unsigned long bits = strtoul(optarg, &end, 10);
                        if (errno || *end || end == optarg || bits < PEERBOOK_KEY_BITS_MIN ||
                            bits > PEERBOOK_KEY_BITS_MAX) {
                                fprintf(stderr,
                                        "peerbookd: invalid key size '%s' (expected %d..%d)\n",
                                        optarg, PEERBOOK_KEY_BITS_MIN, PEERBOOK_KEY_BITS_MAX);
                                return -1;
                        }
                        o->key_bits = (unsigned)bits;
                        break;
                }
                case 'h': usage(stdout); exit(EXIT_SUCCESS);
                case 'V': printf("peerbookd %s\n", PEERBOOK_VERSION); exit(EXIT_SUCCESS);
                default:
                        fprintf(stderr, "peerbookd: unknown option '%s' (see --help)\n",
                                argv[optind - 1]);
                        return -1;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "peerbookd: unexpected argument '%s' (see --help)\n", argv[optind]);
                return -1;
        }
        return 0;
}

int main(int argc, char **argv) {
        struct options options;
        struct daemon d = { .exit_status = EXIT_SUCCESS };
        g_autoptr(GError) error = NULL;

        if (parse_options(argc, argv, &options) < 0)
                return EXIT_FAILURE;

        g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);
        if (!bus) {
                fprintf(stderr, "peerbookd: cannot reach the session bus: %s\n", error->message);
                return EXIT_FAILURE;
        }
        /* Losing the bus means losing our clients: stop cleanly, not by SIGTERM
         * from GDBus's default handler. */
        g_dbus_connection_set_exit_on_close(bus, FALSE);

        d.loop = g_main_loop_new(NULL, FALSE);
        d.config = configuration_manager_new(&d);
        d.presence = presence_manager_new(&d);
        if (!export_object(bus, G_DBUS_INTERFACE_SKELETON(d.config),
                           PB_DBUS_CONFIGURATION_MANAGER_PATH) ||
            !export_object(bus, G_DBUS_INTERFACE_SKELETON(d.presence),
                           PB_DBUS_PRESENCE_MANAGER_PATH))
                return EXIT_FAILURE;

        g_unix_signal_add(SIGTERM, on_quit_signal, &d);
        g_unix_signal_add(SIGINT, on_quit_signal, &d);
        g_signal_connect_swapped(bus, "closed", G_CALLBACK(g_main_loop_quit), d.loop);

        struct startup st = { .daemon = &d, .options = &options };
        guint owner = g_bus_own_name_on_connection(bus, options.bus_name,
                                                   G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                   on_name_acquired, on_name_lost, &st, NULL);
        g_main_loop_run(d.loop);

        /* Clean stop: give up the name first so that no call reaches a freed
         * context, then let every device say goodbye. */
        g_bus_unown_name(owner);
        g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(d.presence));
        g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(d.config));
        if (d.ctx_source) {
                g_source_destroy(d.ctx_source);
                g_source_unref(d.ctx_source);
        }
        d.ctx = peerbook_ctx_free(d.ctx);
        g_dbus_connection_flush_sync(bus, NULL, NULL);
        g_object_unref(d.presence);
        g_object_unref(d.config);
        g_main_loop_unref(d.loop);
        return d.exit_status;
}
