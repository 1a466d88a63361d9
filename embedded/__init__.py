"""The embedded mode: a real Redis server the project starts and stops itself."""
