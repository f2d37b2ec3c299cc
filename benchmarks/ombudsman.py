"""The Ombudsman pack (`ehcp chronology CASE --pdf FILE`) for a case with many events, as a
ratio to one letter rendered to PDF in the same run.

    .venv/bin/python benchmarks/ombudsman.py [--events 200] [--repeat 5]

Issue 14 asks for the pack of a 200-event case in under 2 s. The machine is shared and
noisy, so the figure to read is the ratio pack / letter (the acknowledgement letter, one
page, through the same WeasyPrint path), alternating the two so drift hits both alike.
The pack is built from plain records (no database): what is timed is the HTML and PDF.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pypdf import PdfReader

from ehcp.council.config import load_council
from ehcp.documents.kinds import KINDS
from ehcp.documents.render import render
from ehcp.documents.sample import sample_context
from ehcp.domain.clock import compute_timeline
from ehcp.domain.facts import CaseFacts
from ehcp.settings import PROJECT_ROOT
from ehcp.views.ombudsman import build_pack, render_pack_pdf

SUMMARIES = [
    ("advice_requested", "Advice requested from the health adviser; due in six weeks (Regs 8(1))."),
    ("message_sent", "Email sent to the family: the council is considering whether to assess."),
    ("advice_received", "Health advice received through the portal."),
    ("exception_recorded", "Exception recorded against the final plan (Regs 13(3)): school closure."),
]


@dataclass(frozen=True)
class Event:
    kind: str
    occurred_on: date
    recorded_at: datetime
    actor: str
    summary: str
    detail: dict


def pack(events: int):
    received = date(2026, 1, 5)
    rows = [
        Event(kind, received + timedelta(days=n // 3), datetime(2026, 1, 5, tzinfo=UTC), "system", text, {})
        for n, (kind, text) in zip(range(events), SUMMARIES * events, strict=False)
    ]
    timeline = compute_timeline(CaseFacts(received_on=received), today=date(2026, 6, 1))
    return build_pack(
        ref="EHC-2026-000123",
        council="Example Borough Council",
        stage="assessing",
        produced_on=date(2026, 6, 1),
        timeline=timeline,
        events=rows,
        messages=[],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    council = load_council(PROJECT_ROOT / "config" / "example")
    letter_kind = "acknowledgement_letter"
    letter_context = sample_context(letter_kind, council)
    the_pack = pack(args.events)

    def letter() -> bytes:
        return render(KINDS[letter_kind], letter_context)

    def ombudsman() -> bytes:
        return render_pack_pdf(the_pack)

    letter(), ombudsman()  # fonts and templates loaded outside the timing
    times: dict[str, list[float]] = {"letter": [], "pack": []}
    pages = 0
    for _ in range(args.repeat):
        for name, step in (("letter", letter), ("pack", ombudsman)):
            started = time.perf_counter()
            out = step()
            times[name].append(time.perf_counter() - started)
            if name == "pack":
                pages = len(PdfReader(io.BytesIO(out)).pages)
    letter_ms = statistics.median(times["letter"]) * 1000
    pack_ms = statistics.median(times["pack"]) * 1000
    print(f"events {args.events}, pack pages {pages}, repeat {args.repeat} (medians)")
    print(f"  letter (1 page)   {letter_ms:8.0f} ms")
    print(f"  ombudsman pack    {pack_ms:8.0f} ms")
    print(f"  ratio pack/letter {pack_ms / letter_ms:8.1f}")


if __name__ == "__main__":
    main()
