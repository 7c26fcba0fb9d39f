"""hocba — Học bạ số: the digital school record system for Vietnamese secondary schools."""

__version__ = "0.1.0"
