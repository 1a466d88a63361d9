"""The hotline's call tree, assembled from one module per part of the service."""

from __future__ import annotations

from callflows.flows import (
    callback,
    case_status,
    confirmations,
    custody,
    danger,
    main,
    notify,
    office,
    operator,
    promise,
    referrals,
    relay,
    removal,
)
from callflows.tree import Tree

TREE = Tree.build(
    [
        *main.NODES,
        *promise.NODES,
        *custody.NODES,
        *callback.NODES,
        *confirmations.NODES,
        *operator.NODES,
        *office.NODES,
        *removal.NODES,
        *relay.NODES,
        *case_status.NODES,
        *referrals.NODES,
        *notify.NODES,
        *danger.NODES,
    ],
    entry="welcome",
    operator="operator",
    entries=(relay.RELAY,),
    # Danger said aloud anywhere: the 911 notice, then the urgent queue in hours or the national lines.
    danger=danger.HEARD,
)
