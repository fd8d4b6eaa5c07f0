/*
 * The group coordinator (the classic protocol): groups and their members,
 * the rebalance state machine (JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, session and rebalance timeouts) and the group requests,
 * with committed offsets kept by offsets.c. The broker never computes an
 * assignment: the leader member does. A group is forgotten once nobody is
 * in it or about to join it; its committed offsets stay. Each group's
 * latest stable generation is kept on disk, so that a restart keeps it.
 */
#ifndef KB_GROUPS_H
#define KB_GROUPS_H

#include "broker.h"

/*
 * Load the groups kept in DIR/group-metadata, each as its latest stable
 * generation; 0, or -1 with errno. Bad records are skipped with a warning.
 */
int kb_groups_load(struct kb_broker *b);
/* Drop every group (at shutdown); parked members are not answered. */
void kb_groups_free(struct kb_broker *b);

#endif
