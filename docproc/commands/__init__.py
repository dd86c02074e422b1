"""One module per ``docproc`` sub-command; each has ``register(subparsers)``."""
