"""Time per document, as a ratio to Jinja rendering of the same document in the same run.

    .venv/bin/python benchmarks/documents.py [--repeat 20] [--kinds KIND ...]

Each document is built from the example case (`sample_context`) and the example
council (config/example), and timed two ways:

  jinja  the template rendered to text and nothing more: `render_html` for the
         letters and the final plan; for the draft plan, the Jinja source docxtpl
         renders from the Word template (`docx_source`, patched once, outside the
         timing), compiled and rendered as docxtpl does on every render
  full   `render`: the same plus WeasyPrint (HTML to tagged PDF) or docxtpl
         (Word template in, .docx out), i.e. the bytes the service stores

The first render of each document is reported apart as "cold": the first PDF
in the process pays for WeasyPrint loading fonts, the first Jinja render for
compiling the template. Then --repeat renders of each, alternating jinja and
full so drift on the machine hits both alike, and the median and p90 in ms. The
machine is shared and noisy: read the ratio full / jinja (how many times the
cost of the template itself the finished document costs), not the absolute
numbers. Output size in bytes and PDF page count make runs comparable.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader

from ehcp.council.config import load_council
from ehcp.documents.checks import docx_source
from ehcp.documents.kinds import KINDS
from ehcp.documents.render import docx_environment, render, render_html
from ehcp.documents.sample import sample_context
from ehcp.rendering import TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KINDS = ["decision_not_to_assess_letter", "acknowledgement_letter", "draft_plan", "final_plan"]


def timed(step: Callable[[], bytes | str]) -> tuple[float, bytes | str]:
    started = time.perf_counter()
    out = step()
    return time.perf_counter() - started, out


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def steps(kind_name: str, council) -> tuple[Callable[[], str], Callable[[], bytes]]:
    """The Jinja-only step and the full render of one document."""
    kind, context = KINDS[kind_name], sample_context(kind_name, council)
    if kind.format == "docx":
        source = docx_source(TEMPLATES / kind.template)

        def jinja() -> str:
            return docx_environment().from_string(source).render(context.variables())
    else:

        def jinja() -> str:
            return render_html(kind, context)

    return jinja, lambda: render(kind, context)


def pages(kind_name: str, document: bytes) -> str:
    if KINDS[kind_name].format != "pdf":
        return "-"  # Word lays out pages when the file is opened
    return str(len(PdfReader(io.BytesIO(document)).pages))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--kinds", nargs="+", default=DEFAULT_KINDS, choices=sorted(KINDS))
    args = parser.parse_args()

    council = load_council(ROOT / "config" / "example")
    print(f"{args.repeat} renders per measurement after one cold render; example case and council")
    print(
        f"{'document':<30} {'step':>10} {'cold ms':>9} {'median ms':>10} {'p90 ms':>9} "
        f"{'bytes':>9} {'pages':>6}"
    )
    for kind_name in args.kinds:
        jinja, full = steps(kind_name, council)
        cold = {"jinja": timed(jinja)[0], "full": timed(full)[0]}
        times: dict[str, list[float]] = {"jinja": [], "full": []}
        outputs: dict[str, bytes | str] = {}
        for _ in range(args.repeat):
            for name, step in (("jinja", jinja), ("full", full)):
                seconds, outputs[name] = timed(step)
                times[name].append(seconds)
        rows = {}
        for name in ("jinja", "full"):
            out = outputs[name]
            size = len(out.encode() if isinstance(out, str) else out)
            rows[name] = (cold[name], statistics.median(times[name]), percentile(times[name], 0.9))
            label = name if name == "jinja" else f"full {KINDS[kind_name].format}"
            shown = pages(kind_name, out) if name == "full" else "-"
            first, median, p90 = (value * 1000 for value in rows[name])
            print(
                f"{kind_name if name == 'jinja' else '':<30} {label:>10} {first:>9.1f} {median:>10.2f} "
                f"{p90:>9.2f} {size:>9,} {shown:>6}"
            )
        base, real = rows["jinja"], rows["full"]
        print(
            f"{'':<30} {'ratio':>10} {real[0] / base[0]:>9.1f} {real[1] / base[1]:>10.1f} "
            f"{real[2] / base[2]:>9.1f}   (full / jinja)"
        )


if __name__ == "__main__":
    main()
