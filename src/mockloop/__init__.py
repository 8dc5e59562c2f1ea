"""mockloop: a terminal mock-interview simulator for Generative-AI engineer interviews."""

__version__ = "0.1.0"
