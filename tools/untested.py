"""Print coverage per module and name the modules the suite leaves (nearly) untested.

No gate on a number: this only makes gaps visible after `make test`."""

from __future__ import annotations

import sys

import coverage


def main(threshold: float = 60.0) -> int:
    cov = coverage.Coverage()
    try:
        cov.load()
    except coverage.exceptions.NoDataError:
        print("no coverage data")
        return 0
    data = cov.get_data()
    rows = []
    for path in sorted(data.measured_files()):
        if "/app/" not in path:
            continue
        try:
            _, statements, _, missing, _ = cov.analysis2(path)
        except coverage.exceptions.NoSource:
            continue
        if not statements:
            continue
        pct = 100.0 * (len(statements) - len(missing)) / len(statements)
        rows.append((pct, path.split("/app/", 1)[1]))
    total_files = {p.split("/app/", 1)[1] for p in data.measured_files() if "/app/" in p}
    import pathlib
    root = pathlib.Path(__file__).resolve().parent.parent / "app"
    never = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                   if str(p.relative_to(root)) not in total_files and p.stat().st_size > 0)
    low = [(pct, name) for pct, name in rows if pct < threshold]
    print(f"\nModules under {threshold:.0f}% line coverage:" if low else f"\nEvery measured module is at {threshold:.0f}% or more.")
    for pct, name in sorted(low):
        print(f"  {pct:5.1f}%  app/{name}")
    if never:
        print("Modules never imported by the tests:")
        for name in never:
            print(f"          app/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0))
