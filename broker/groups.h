/*
 * The group coordinator (the classic protocol): groups and their members,
 * the rebalance state machine (JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, session and rebalance timeouts) and the group requests,
 * with committed offsets kept by offsets.c. The broker never computes an
 * assignment: the leader member does. A group is forgotten once nobody is
 * in it or about to join it; its committed offsets stay.
 */
#ifndef KB_GROUPS_H
#define KB_GROUPS_H

#include "broker.h"

/* Drop every group (at shutdown); parked members are not answered. */
void kb_groups_free(struct kb_broker *b);

#endif
