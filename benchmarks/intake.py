"""Intake throughput and latency, as a ratio to a baseline measured in the same run.

    .venv/bin/python benchmarks/intake.py [--requests 400] [--concurrency 1 4]

Starts the web app in a subprocess (SQLite in a temp directory; Prefect not
running, so each accepted request's attempt to start its run fails fast and
is left to the sweep, as when Prefect is down). For each concurrency level it
sends the same number of requests to:

  baseline  POST /benchmark/baseline: the same app and server read the same
            body and answer 202, without verifying, parsing or storing it
  intake    POST /webhooks/intake: signed, verified, validated, stored

and prints requests/second and p50/p99 latency for both, and intake/baseline.
The machine is shared and noisy: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from fastapi import Request  # module level: the route's annotations are resolved here
from fastapi.responses import JSONResponse

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_" + "YmVuY2htYXJrLWJlbmNobWFyay1iZW5jaG1hcmstMTI="


def serve(port: int) -> None:
    """The server process: the real app plus a baseline route."""
    import uvicorn

    from ehcp.web.app import create_app

    app = create_app()

    @app.post("/benchmark/baseline", status_code=202)
    async def baseline(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse(status_code=202, content={"case_ref": "EHC-0000-000000"})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def payload(number: int) -> bytes:
    body = json.loads((ROOT / "examples" / "intake-request.json").read_text())
    body["submission_id"] = f"bench-{number}-{uuid.uuid4().hex[:8]}"
    return json.dumps(body).encode()


def signed_headers(body: bytes) -> dict[str, str]:
    from ehcp.intake.signature import sign

    webhook_id, timestamp = f"msg_{uuid.uuid4().hex}", int(time.time())
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(SECRET, webhook_id, timestamp, body),
    }


def load(url: str, path: str, requests: int, concurrency: int, offset: int) -> tuple[float, list[float]]:
    """Send `requests` POSTs from `concurrency` threads; return (seconds, latencies)."""
    bodies = [payload(offset + n) for n in range(requests)]
    prepared = [(body, signed_headers(body)) for body in bodies]
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    next_index = iter(range(requests))

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            while True:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                body, headers = prepared[index]
                started = time.perf_counter()
                response = client.post(path, content=body, headers=headers)
                elapsed = time.perf_counter() - started
                if response.status_code != 202:
                    with lock:
                        failures.append(f"{path}: {response.status_code} {response.text[:300]}")
                    return
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} request(s) failed, e.g. {failures[0]}")
    return time.perf_counter() - started, latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="ehcp-bench-") as scratch:
        env = {
            **os.environ,
            "EHC_VAR_DIR": scratch,
            "EHC_INTAKE_WEBHOOK_SECRET": SECRET,
            "EHC_PREFECT_PORT": str(free_port()),  # nothing listens: Prefect is "down"
            "EHC_FROZEN_NOW": "2026-11-22T09:00:00+00:00",
        }
        subprocess.run(
            [sys.executable, "-m", "ehcp.cli.main", "db", "upgrade"], env=env, check=True, capture_output=True
        )
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            load(url, "/benchmark/baseline", 20, 1, 10_000_000)  # warm up both paths
            load(url, "/webhooks/intake", 20, 1, 20_000_000)
            print(f"{args.requests} requests per measurement; payload {len(payload(0))} bytes; SQLite")
            print(f"{'concurrency':>11} {'path':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
            offset = 0
            for concurrency in args.concurrency:
                rows = {}
                for name, path in (("baseline", "/benchmark/baseline"), ("intake", "/webhooks/intake")):
                    offset += args.requests
                    seconds, latencies = load(url, path, args.requests, concurrency, offset)
                    rows[name] = (
                        args.requests / seconds,
                        percentile(latencies, 0.5),
                        percentile(latencies, 0.99),
                    )
                    rate, p50, p99 = rows[name]
                    print(f"{concurrency:>11} {name:>9} {rate:>8.1f} {p50 * 1000:>8.2f} {p99 * 1000:>8.2f}")
                base, real = rows["baseline"], rows["intake"]
                print(
                    f"{concurrency:>11} {'ratio':>9} {real[0] / base[0]:>8.2f} {real[1] / base[1]:>8.2f} "
                    f"{real[2] / base[2]:>8.2f}   (intake / baseline)"
                )
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    else:
        main()
