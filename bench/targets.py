"""The performance targets, checked against one run's figures.

Every target is a ratio between contenders measured in the same run, so machine
speed cancels out. "Flat" for the scaling rows means the median p50 latency at the
largest size is at most 1.5 times the one at the smallest. The targets are set for
PostgreSQL, except the SQLite blocking get; SQLite's scaling rows print as "info".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

FLAT_LIMIT = 1.5


@dataclass
class Verdict:
    target: str
    measured: str
    passed: bool | None


def _find(results: Iterable[dict[str, Any]], **wanted: Any) -> dict[str, Any] | None:
    for result in results:
        if all(result.get(name) == value for name, value in wanted.items()):
            return result
    return None


def _ratio(result: dict[str, Any] | None, label: str, other: str, figure: str) -> float | None:
    if result is None:
        return None
    value = result["ratios"].get(f"{label}/{other} {figure}")
    return None if value is None else float(value)


def _check(target: str, value: float | None, limit: float, at_least: bool) -> Verdict:
    if value is None:
        return Verdict(target, "not measured in this run", False)
    passed = value >= limit if at_least else value <= limit
    return Verdict(target, f"{value:.2f}", passed)


def evaluate(results: list[dict[str, Any]]) -> list[Verdict]:
    verdicts = []
    matrix = [result for result in results if result.get("table") == "matrix"]

    for backend in ("postgresql", "sqlite"):
        rows = [result for result in matrix if result["backend"] == backend]
        if not rows:
            continue
        for operation in ("get by name", "get by id"):
            if backend == "postgresql":
                verdicts.append(
                    _check(
                        f"{backend}: async {operation}, 100 coroutines, throughput / raw >= 0.85",
                        _ratio(
                            _find(rows, operation=operation, api="async", concurrency=100),
                            "owtt",
                            "raw",
                            "ops_per_s",
                        ),
                        0.85,
                        at_least=True,
                    )
                )
                verdicts.append(
                    _check(
                        f"{backend}: async {operation}, serial, p50 / raw p50 <= 1.25",
                        _ratio(
                            _find(rows, operation=operation, api="async", concurrency=1),
                            "owtt",
                            "raw",
                            "p50_ms",
                        ),
                        1.25,
                        at_least=False,
                    )
                )
            serial_blocking = _find(rows, operation=operation, api="blocking", concurrency=1)
            limit = 1.5 if backend == "postgresql" else 2.0
            verdicts.append(
                _check(
                    f"{backend}: blocking {operation}, 1 thread, p50 / raw p50 <= {limit}",
                    _ratio(serial_blocking, "owtt", "raw", "p50_ms"),
                    limit,
                    at_least=False,
                )
            )
            floor = _ratio(serial_blocking, "raw+hop", "raw", "p50_ms")
            verdicts.append(
                Verdict(
                    f"{backend}: blocking {operation}, 1 thread, the same hop with the raw "
                    "driver (raw+hop p50 / raw p50)",
                    "not measured in this run" if floor is None else f"{floor:.2f}",
                    None,
                )
            )
            if backend == "postgresql":
                verdicts.append(
                    _check(
                        f"{backend}: blocking {operation}, connect-per-call p50 / owtt p50 >= 20",
                        _ratio(serial_blocking, "connect", "owtt", "p50_ms"),
                        20,
                        at_least=True,
                    )
                )
        if backend == "postgresql":
            verdicts.append(
                _check(
                    f"{backend}: async list of 10,000, serial, p50 / raw p50 <= 1.5",
                    _ratio(
                        _find(rows, operation="list", size=10_000, api="async", concurrency=1),
                        "owtt",
                        "raw",
                        "p50_ms",
                    ),
                    1.5,
                    at_least=False,
                )
            )

    for result in results:
        if result.get("table") != "extras":
            continue
        backend = result["backend"]
        small, large = result.get("list_statements_100"), result.get("list_statements_10000")
        if small is not None and large is not None:
            verdicts.append(
                Verdict(
                    f"{backend}: statements per list, 100 vs 10,000 allowances, equal",
                    f"{small} vs {large}",
                    small == large,
                )
            )
        for api in ("async", "blocking"):
            samples = result.get(f"leak_{api}")
            if samples:
                verdicts.append(_growth_verdict(backend, api, samples))

    verdicts.extend(_scaling_verdicts(results))
    return verdicts


def _growth_verdict(backend: str, api: str, samples: list[Any]) -> Verdict:
    first, last = samples[0][1], samples[-1][1]
    counted = [name for name in first if name != "rss_mib"]
    grown = [name for name in counted if last[name] > first[name]]
    rss_growth = last["rss_mib"] - first["rss_mib"]
    # A few MiB of RSS drift is allocator noise; a leak of one object per call
    # across 100,000 calls would show as tens of MiB.
    passed = not grown and rss_growth < 5
    measured = f"RSS {first['rss_mib']} -> {last['rss_mib']} MiB" + "".join(
        f", {name} {first[name]} -> {last[name]}" for name in counted
    )
    return Verdict(f"{backend}: no growth across {api} calls", measured, passed)


def _scaling_verdicts(results: list[dict[str, Any]]) -> list[Verdict]:
    verdicts = []
    scaling = [result for result in results if result.get("table") == "scaling"]
    for backend in ("postgresql", "sqlite"):
        for operation in ("get by name", "get by id", "update"):
            rows = sorted(
                (r for r in scaling if r["backend"] == backend and r["operation"] == operation),
                key=lambda result: result["size"],
            )
            if len(rows) < 2:
                continue
            smallest, largest = rows[0], rows[-1]
            figures = ", ".join(f"{r['size']:,}: {r['owtt']['p50_ms']:.3f} ms" for r in rows)
            ratio = largest["owtt"]["p50_ms"] / smallest["owtt"]["p50_ms"]
            raw_ratio = largest["raw"]["p50_ms"] / smallest["raw"]["p50_ms"]
            verdicts.append(
                Verdict(
                    f"{backend}: {operation} p50 flat from {smallest['size']:,} "
                    f"to {largest['size']:,} (<= {FLAT_LIMIT}x)",
                    f"{figures}; ratio {ratio:.2f} (raw driver: {raw_ratio:.2f})",
                    ratio <= FLAT_LIMIT if backend == "postgresql" else None,
                )
            )
    return verdicts


def format_verdicts(verdicts: list[Verdict]) -> str:
    lines = ["", "targets:"]
    for verdict in verdicts:
        mark = {True: "PASS", False: "FAIL", None: "info"}[verdict.passed]
        lines.append(f"  {mark}  {verdict.target}: {verdict.measured}")
    return "\n".join(lines)
