"""lofte-pipeline: follow-up reports for Swedish medborgarlöften (citizen promises)."""

__version__ = "0.1.0"
