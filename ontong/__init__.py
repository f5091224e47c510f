"""온통 (Ontong): civic complaint intake, routing and answering for Korean local governments."""

__version__ = "0.1.0"
