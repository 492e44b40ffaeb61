/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dbus-names.h — the names peerbookd and the peerbook CLI must agree on:
 * the default bus name, the object paths, the error prefix and the keys of
 * Jami's account details maps. Beside the interface XML, which documents
 * them; included by both programs, so that neither spells them itself.
 */
#pragma once

#define PB_DBUS_DEFAULT_BUS_NAME "net.peerbook.Daemon"
#define PB_DBUS_CONFIGURATION_MANAGER_PATH "/cx/ring/Ring/ConfigurationManager"
#define PB_DBUS_PRESENCE_MANAGER_PATH "/cx/ring/Ring/PresenceManager"
/* Every error peerbookd returns is named net.peerbook.Error.<Name>. */
#define PB_DBUS_ERROR_PREFIX "net.peerbook.Error."

/* Keys of addAccount, setAccountDetails and getAccountDetails (Jami's). */
#define PB_DETAIL_TYPE "Account.type" /* "RING": a Jami (DHT) account */
#define PB_DETAIL_ALIAS "Account.alias"
#define PB_DETAIL_HOSTNAME "Account.hostname" /* the bootstrap list */
#define PB_DETAIL_DHT_PORT "Account.dhtPort"
/* The direct-channel listener's TCP port: -1 none (dial out only), 0 any
 * free port (then kept), 1..65535. peerbook's own: Jami's devices reach each
 * other through ICE and have no such setting. */
#define PB_DETAIL_CHANNEL_PORT "Account.peerbookChannelPort"
#define PB_DETAIL_ARCHIVE_PATH "Account.archivePath"
#define PB_DETAIL_ARCHIVE_PASSWORD "Account.archivePassword"
#define PB_DETAIL_ARCHIVE_HAS_PASSWORD "Account.archiveHasPassword"
#define PB_DETAIL_USERNAME "Account.username" /* the account ID */
#define PB_DETAIL_DEVICE_ID "Account.deviceID"
#define PB_DETAIL_ENABLE "Account.enable" /* "true"/"false": saved (sendRegister) */
#define PB_DETAIL_DEVICE_NAME "Account.deviceName"
/* This device's ID as getKnownRingDevices keys it (64 hex, SHA-256 of its
 * public key): Jami gives it as Account.deviceID in the volatile details,
 * where peerbook's Account.deviceID (40 hex) is already taken. */
#define PB_DETAIL_DEVICE_LONG_ID "Account.peerbookDeviceLongId"
#define PB_DETAIL_DROPPED_VALUES "Account.droppedValues"
#define PB_DETAIL_DROPPED_REQUESTS "Account.droppedRequests"
#define PB_DETAIL_PENDING_REQUESTS "Account.pendingRequests"
/* Direct channels, since the account started (beside droppedRequests): open
 * now, refused and dropped; and the note published with publish(). */
#define PB_DETAIL_CHANNELS "Account.peerbookChannels"
#define PB_DETAIL_CHANNELS_REFUSED "Account.peerbookChannelsRefused"
#define PB_DETAIL_CHANNELS_DROPPED "Account.peerbookChannelsDropped"
#define PB_DETAIL_DROPPED_SYNCS "Account.peerbookDroppedSyncs"
#define PB_DETAIL_PRESENCE_NOTE "Account.presenceNote"
/* LAN discovery, Jami's three settings ("true"/"false"): the DHT assembles
 * itself on the LAN (PEERBOOK_LAN_DHT), hear the accounts announced on it
 * (PEERBOOK_LAN_NEARBY), announce this one (PEERBOOK_LAN_PUBLISH). */
#define PB_DETAIL_PEER_DISCOVERY "Account.peerDiscovery"
#define PB_DETAIL_ACCOUNT_DISCOVERY "Account.accountDiscovery"
#define PB_DETAIL_ACCOUNT_PUBLISH "Account.accountPublish"
/* Accounts heard on the LAN within 60 s, and LAN discovery packets dropped
 * since the daemon started (the daemon's, shown by each account). */
#define PB_DETAIL_NEARBY "Account.peerbookNearby"
#define PB_DETAIL_DROPPED_LAN "Account.peerbookDroppedLan"

/* Keys of getVolatileAccountDetails. */
#define PB_DETAIL_REGISTRATION_STATUS "Account.registrationStatus"
#define PB_DETAIL_ACTIVE "Account.active" /* "true"/"false": this run only (setAccountActive) */
#define PB_DETAIL_REGISTRATION_CODE "Account.registrationCode"
#define PB_DETAIL_REGISTRATION_DESCRIPTION "Account.registrationDescription"
#define PB_DETAIL_DHT_BOUND_PORT "Account.dhtBoundPort"
#define PB_DETAIL_CHANNEL_BOUND_PORT "Account.peerbookChannelBoundPort" /* 0: no listener */
