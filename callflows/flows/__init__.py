"""The hotline's call tree, assembled from one module per part of the service."""

from __future__ import annotations

from callflows.flows import callback, custody, main, notify, office, operator
from callflows.tree import Tree

TREE = Tree.build(
    [*main.NODES, *custody.NODES, *callback.NODES, *operator.NODES, *office.NODES, *notify.NODES],
    entry="welcome",
    operator="operator",
)
