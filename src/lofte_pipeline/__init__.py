"""lofte-pipeline: follow-up reports for Swedish medborgarlöften (citizen promises)."""

__version__ = "0.2.0"
