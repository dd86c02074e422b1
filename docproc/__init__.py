"""docproc: scans of travel and identity papers in, structured and reviewed case records out."""

__version__ = "0.1.0"
