"""ALMA harness: every stage of Alignment with Minimal Annotation as tested, typed functions."""

__version__ = "0.1.0"
