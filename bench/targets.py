"""The targets of issue 18 checked against one `make bench` run, and the printed table."""

from __future__ import annotations

from typing import Any


def targets(out: dict[str, Any]) -> list[dict[str, Any]]:
    s = out["servers"]
    t: list[dict[str, Any]] = []

    def ep(server: str, name: str) -> dict[str, Any]:
        return s.get(server, {}).get("endpoints", {}).get(name, {})

    def add(name: str, value: float | None, limit: float, kind: str, note: str = "") -> None:
        if value is None:
            t.append({"target": name, "value": None, "limit": limit, "kind": kind, "met": None,
                      "note": note or "not measured"})
            return
        met = value <= limit if kind == "max" else value >= limit
        t.append({"target": name, "value": round(value, 3), "limit": limit, "kind": kind, "met": met, "note": note})

    ins = ep("bare-2w", "bare_insert").get("rps")
    page = ep("bare-2w", "bare_page")
    page_rps, page_cpu = page.get("rps"), page.get("cpu_ms_per_req")
    for srv, label in (("sqlite-2w", "SQLite"), ("pg-2w", "PostgreSQL")):
        for e in ("diary", "checkin"):
            d = ep(srv, e)
            add(f"{e}: p99 ms ({label}, 2 workers, c16)", d.get("p99_ms"), 100, "max")
            add(f"{e}: throughput / bare encrypted insert ({label})",
                d["rps"] / ins if ins and d.get("rps") else None, 0.20, "min",
                f"{d.get('rps')} vs {ins} req/s" if ins and d.get("rps") else "")
        for e in ("home", "lesson"):
            d = ep(srv, e)
            add(f"{e}: throughput / bare Jinja2 page ({label})",
                d["rps"] / page_rps if page_rps and d.get("rps") else None, 0.25, "min",
                f"{d.get('rps')} vs {page_rps} req/s" if page_rps and d.get("rps") else "")
            cpu = d.get("cpu_ms_per_req")
            add(f"{e}: CPU per request / bare Jinja2 page's ({label})",
                cpu / page_cpu if cpu and page_cpu else None, 4.0, "max",
                f"{cpu} vs {page_cpu} ms" if cpu and page_cpu else "")
    flood = s.get("sqlite-2w", {}).get("flood", {}).get("probes", {})
    if flood:
        def ratio(e: str) -> float:
            alone = ep("sqlite-2w", e).get("p99_ms")
            return flood[e]["p99_ms"] / alone if alone else float("inf")
        worst = max(flood, key=ratio)
        add("login flood: worst p99 of other endpoints / their p99 without it", ratio(worst), 2.0, "max",
            f"worst: {worst}, {flood[worst]['p99_ms']} ms")
    else:
        add("login flood: worst p99 of other endpoints / their p99 without it", None, 2.0, "max")
    peaks = [v.get("peak_worker_rss_mb", 0) for k, v in s.items() if not k.startswith("bare")]
    add("peak worker RSS MB under load", max(peaks) if peaks else None, 300, "max")
    return t


def print_table(out: dict[str, Any]) -> None:
    print("\n" + "=" * 100)
    print(f"{out['date']}  {out['machine']['cpu']} ({out['machine']['cores']} cores)  git {out['git']}  "
          f"load at start {out.get('load_start')}  at end {out.get('load_end')}")
    print(f"wrk -t2 -c{out['settings']['connections']} -d{out['settings']['duration_s']}s over loopback; "
          f"dataset {out['settings']['dataset']['patients']} patients x {out['settings']['dataset']['weeks']} weeks")
    print(f"{'server':<11} {'endpoint':<15} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'/healthz':>9} {'other':>5} {'CPU ms/req':>10} {'cs/req':>6}  peak RSS")
    for name, srv in out["servers"].items():
        first = True
        for ep, d in srv["endpoints"].items():
            if "skipped" in d:
                print(f"{name if first else '':<11} {ep:<15} {'skipped: ' + d['skipped'][:60]}")
            else:
                ratio = f"{d['ratio_to_healthz']:.2f}" if "ratio_to_healthz" in d else ""
                print(f"{name if first else '':<11} {ep:<15} {d['rps']:>9,.0f} {d['p50_ms']:>8.1f} {d['p95_ms']:>8.1f} "
                      f"{d['p99_ms']:>8.1f} {ratio:>9} {d['other_cpu_cores']:>5.2f} "
                      f"{d.get('cpu_ms_per_req', float('nan')):>10.2f} {d.get('ctxsw_per_req', float('nan')):>6.1f}"
                      + (f"  {srv.get('peak_worker_rss_mb')} MB" if first else ""))
            first = False
        for ep, d in srv.get("flood", {}).get("probes", {}).items():
            print(f"{'':<11} {ep + '+flood':<15} {d['rps']:>9,.0f} {d['p50_ms']:>8.1f} {d['p95_ms']:>8.1f} "
                  f"{d['p99_ms']:>8.1f} {'':>9} {d['other_cpu_cores']:>5.2f}")
        logins = srv.get("flood", {}).get("logins")
        if logins:
            print(f"{'':<11} {'(logins)':<15} {logins['rps']:>9,.0f} {logins['p50_ms']:>8.1f} {logins['p95_ms']:>8.1f} "
                  f"{logins['p99_ms']:>8.1f}  answers {logins['codes']}")
    print("\nTargets:")
    for t in out["targets"]:
        mark = {True: "MET ", False: "MISS", None: "n/a "}[t["met"]]
        val = "-" if t["value"] is None else f"{t['value']:g}"
        cmp = "<=" if t.get("kind") == "max" else ">="
        print(f"  [{mark}] {t['target']:<58} {val:>9} (target {cmp} {t['limit']:g}) {t['note']}")
