"""Effects that belong to no single part of the tree."""
