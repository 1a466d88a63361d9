"""The hotline's call tree, assembled from one module per part of the service."""

from __future__ import annotations

from callflows.flows import callback, confirmations, custody, main, office, operator
from callflows.tree import Tree

TREE = Tree.build(
    [*main.NODES, *custody.NODES, *callback.NODES, *confirmations.NODES, *operator.NODES, *office.NODES],
    entry="welcome",
    operator="operator",
)
