"""Benchmark of owtt_async against raw drivers and connect-per-call; see bench/run.py."""
