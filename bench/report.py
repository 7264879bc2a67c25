"""Markdown tables from bench/latest.json and bench/latest-scale.json (for the README).

    python -m bench.report [load.json] [scale.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.harness import BENCH

LABELS = {"healthz": "`GET /healthz`", "home": "home page `/`", "lesson": "lesson page",
          "diary": "`POST /api/v1/diary`", "checkin": "`POST /api/v1/assessments`",
          "dashboard": "dashboard `/clinician`", "alerts": "inbox `/clinician/alerts`",
          "bare_json": "bare: async JSON", "bare_page": "bare: Jinja2 page",
          "bare_insert": "bare: AES-GCM 500 B + SQLite insert", "patient_page": "patient page"}


def load_table(d: dict) -> str:
    out = [f"Measured {d['date'][:16].replace('T', ' ')} UTC on {d['machine']['cpu']} "
           f"({d['machine']['cores']} cores, {d['machine']['memory_gb']} GB), Python {d['machine']['python']}, "
           f"git {d['git']}; `wrk -t2 -c{d['settings']['connections']} -d{d['settings']['duration_s']:g}s`, "
           f"dataset {d['settings']['dataset']['patients']} patients x {d['settings']['dataset']['weeks']} weeks; "
           f"load average at start {d['load_start'][0]:.2f}. \"other\" = CPU cores used by other people's "
           "processes during that measurement.", "",
           "| server | endpoint | req/s | p50 ms | p95 ms | p99 ms | / healthz | other | peak worker RSS |",
           "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for name, srv in d["servers"].items():
        first = True
        for ep, e in srv["endpoints"].items():
            if "skipped" in e:
                continue
            out.append(f"| {name if first else ''} | {LABELS.get(ep, ep)} | {e['rps']:,.0f} | {e['p50_ms']:.1f} | "
                       f"{e['p95_ms']:.1f} | {e['p99_ms']:.1f} | {e.get('ratio_to_healthz', '')} | "
                       f"{e['other_cpu_cores']:.2f} | {str(srv.get('peak_worker_rss_mb')) + ' MB' if first else ''} |")
            first = False
        for ep, e in srv.get("flood", {}).get("probes", {}).items():
            out.append(f"| | {LABELS.get(ep, ep)} during login flood | {e['rps']:,.0f} | {e['p50_ms']:.1f} | "
                       f"{e['p95_ms']:.1f} | {e['p99_ms']:.1f} | | {e['other_cpu_cores']:.2f} | |")
        lg = srv.get("flood", {}).get("logins")
        if lg:
            ok = lg["codes"].get("200", 0) / max(lg["seconds"], 1)
            out.append(f"| | (the flood: logins) | {ok:,.0f} ok/s | {lg['p50_ms']:.1f} | {lg['p95_ms']:.1f} | "
                       f"{lg['p99_ms']:.1f} | | | answers {lg['codes']} |")
    out += ["", "| target | measured | limit | met |", "|---|--:|--:|---|"]
    for t in d["targets"]:
        cmp = "≤" if t.get("kind") == "max" else "≥"
        val = "-" if t["value"] is None else f"{t['value']:g}"
        out.append(f"| {t['target']} | {val} | {cmp} {t['limit']:g} | "
                   f"{ {True: 'yes', False: '**no**', None: 'n/a'}[t['met']]} |")
    return "\n".join(out)


def scale_table(d: dict) -> str:
    g = d.get("generator", {})
    out = [f"Measured {d['date'][:16].replace('T', ' ')} UTC, same machine, git {d['git']}; SQLite, "
           f"{d['settings']['workers']} workers; one clinician assigned every patient; 52 weeks each. "
           f"The generator writes {g.get('events_per_s')} events/s through the services; copies: "
           f"{ {k: v['patients_per_s'] for k, v in d.get('cloning', {}).items()} } patients/s.", "",
           "| patients | endpoint | concurrency | req/s | p50 ms | p95 ms | p99 ms | other |",
           "|--:|---|--:|--:|--:|--:|--:|--:|"]
    for sc in d["scales"]:
        first = True
        for ep, by_c in sc["endpoints"].items():
            if ep == "healthz":
                continue
            for c, e in by_c.items():
                n = format(sc["patients"], ",") if first else ""
                out.append(f"| {n} | {LABELS.get(ep, ep)} | {c[1:]} | {e['rps']:,.0f} | "
                           f"{e['p50_ms']:.1f} | {e['p95_ms']:.1f} | {e['p99_ms']:.1f} | {e['other_cpu_cores']:.2f} |")
                first = False
    hist = d.get("history")
    if hist:
        out += ["", "| check-in submit | concurrency | p50 ms | p95 ms |", "|---|--:|--:|--:|"]
        for label, by_c in hist["groups"].items():
            for c, e in by_c.items():
                out.append(f"| {label} of history | {c[1:]} | {e['p50_ms']:.1f} | {e['p95_ms']:.1f} |")
    out += ["", "| target | measured | limit | met |", "|---|--:|--:|---|"]
    for t in d["targets"]:
        val = "-" if t["value"] is None else f"{t['value']:g}"
        out.append(f"| {t['target']} | {val} | ≤ {t['limit']:g} | "
                   f"{ {True: 'yes', False: '**no**', None: 'n/a'}[t['met']]} |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    load = Path(argv[0]) if argv else BENCH / "latest.json"
    scale = Path(argv[1]) if len(argv) > 1 else BENCH / "latest-scale.json"
    if load.exists():
        print(load_table(json.loads(load.read_text())))
        print()
    if scale.exists():
        print(scale_table(json.loads(scale.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
