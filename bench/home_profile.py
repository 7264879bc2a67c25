"""In-process profile of the patient's home page and a lesson page: SQL statements, CPU and
context switches per request, Python calls, and optionally a cProfile of a page's trip.

    python -m bench.home_profile                 # 6 patients x 9 weeks, 200 requests each page
    python -m bench.home_profile -n 500 --sql --profile --profile-page lesson

No server, no wrk: a temporary SQLite database written through the services by the demo
generator (app/demo/generator.py, clock frozen at each event), one signed-in browser session
per patient, and Starlette's TestClient driving the real app in this process. Statements are
counted with SQLAlchemy's `before_cursor_execute` event on the app's engine; CPU is
`time.process_time()` (every thread of the process: the event loop, the request thread) per
request; context switches are getrusage's voluntary + involuntary (whole process). Then the
request's one trip (app/trip.py) is called in this thread: its `thread_time()` and its Python
calls (cProfile). The clock stays frozen just after the histories end, so every run renders
the same pages. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import harness as h

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)   # a Wednesday; the histories end here


def _build(db: Any, patients: int, weeks: int) -> list[Any]:
    from app.demo import generator as g
    plans = g.demo_plans(patients, weeks, seed=1234)   # the cast first: improving, flat, deteriorating
    res = g.generate(db.session, plans, now=NOW - timedelta(minutes=5), fast_password_hash=True)
    ids = [res.patient_ids[p.email] for p in plans]
    _vary(db, ids, res.clinician_id)
    return ids


def _vary(db: Any, ids: list[Any], clinician_id: Any) -> None:
    """A few more states the home page shows: a message from the care team and a safety plan
    written with them (patient 1), a held module with words for the patient (patient 3), a
    module opened early and a shorter release interval (patient 6), a phone number (patient 2)."""
    from app.accounts.models import User
    from app.contact import service as contact
    from app.contact.schemas import ContactIn
    from app.guided import service as guided, shaping
    from app.messages import service as messages
    from app.programme import service as programme
    from app.safety import service as safety
    with db.session() as s:
        clin, users = s.get(User, clinician_id), [s.get(User, i) for i in ids]
        messages.send_from_clinician(s, clin, users[0], "Well done on finishing the modules. Shall we talk on Friday?")
        safety.save(s, users[0], {"warning_signs": "Not sleeping", "coping": "A walk"}, author=clin)
        if len(users) > 1:
            contact.save(s, users[1].id, ContactIn(phone="07911 123456"))
        if len(users) > 2:
            locked = programme.progress_summary(s, users[2]).next_locked
            if locked is not None:
                shaping.hold(s, clin, users[2].id, locked.slug, "Wait for the review", "We will open this after we talk.")
        if len(users) > 5:
            locked = programme.progress_summary(s, users[5]).next_locked
            if locked is not None:
                guided.open_module(s, clin, users[5].id, locked.slug)
            shaping.set_interval(s, clin, users[5].id, 3)
        s.commit()


class Counted:
    """Statements executed on the engine while active (and, with keep, their SQL)."""

    def __init__(self, engine: Any, keep: bool = False) -> None:
        from sqlalchemy import event
        self.n, self.keep, self.sql = 0, keep, Counter[str]()
        self.engine = engine
        self._event = event
        self._event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        self.n += 1
        if self.keep:
            self.sql[" ".join(statement.split())[:160]] += 1

    def close(self) -> None:
        self._event.remove(self.engine, "before_cursor_execute", self._on)


def _measure(client: Any, path: str, n: int, rounds: int, engine: Any) -> dict[str, float]:
    """n requests in `rounds` rounds; CPU per request of the best and of the median round (the
    machine is shared: the best round is the one least disturbed by others)."""
    for _ in range(5):                        # warm caches (templates, statement cache)
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    counter = Counted(engine)
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    per = max(1, n // rounds)
    cpus = []
    for _ in range(rounds):
        cpu0 = time.process_time()
        for _ in range(per):
            client.get(path)
        cpus.append((time.process_time() - cpu0) / per)
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    counter.close()
    cs = (ru1.ru_nvcsw - ru0.ru_nvcsw) + (ru1.ru_nivcsw - ru0.ru_nivcsw)
    cpus.sort()
    return {"sql": counter.n / (per * rounds), "cpu_best": 1000 * cpus[0], "cpu_median": 1000 * cpus[len(cpus) // 2],
            "cs": cs / (per * rounds)}


def _sql_of(client: Any, path: str, engine: Any) -> Counter[str]:
    counter = Counted(engine, keep=True)
    client.get(path)
    counter.close()
    return counter.sql


def _profile(fn: Callable[[], Any], n: int, top: int) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        fn()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def _direct(app: Any, path: str, token: str) -> Callable[[], Any]:
    """The request's one trip to the thread pool (app/trip.py: the session lookup, CSRF, the
    unread count, the route with its template, the idle-timeout touch, the commit), called in
    this thread: no HTTP, middleware or parameter parsing. cProfile and thread_time() see it all."""
    from starlette.requests import Request
    from starlette.routing import Match

    from app import i18n, trip
    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
                             "query_string": b"", "headers": [(b"cookie", f"icbt_session={token}".encode())],
                             "app": app, "router": app.router, "root_path": "", "scheme": "http",
                             "server": ("testserver", 80), "client": ("127.0.0.1", 1)}
    def routes(rs: list[Any]) -> Any:
        for r in rs:
            inner = getattr(r, "original_router", None)
            yield from routes(inner.routes) if inner is not None else [r]
    route = next(r for r in routes(app.router.routes)
                 if hasattr(getattr(r, "endpoint", None), "trip_plan") and r.matches(scope)[0] == Match.FULL)
    params = route.matches(scope)[1].get("path_params", {})
    plan = route.endpoint.trip_plan

    def run() -> Any:
        scope["state"] = {"locale": i18n.default_locale()}
        request = Request({**scope, "path_params": params})
        kwargs = {**params, **({plan.request: request} if plan.request != trip._REQUEST else {})}
        response = trip._in_thread(plan, request, None, None, kwargs)
        assert response.status_code == 200, (path, response.status_code)
        return response
    return run


def _direct_measure(fn: Callable[[], Any], n: int, rounds: int) -> dict[str, float]:
    for _ in range(5):
        fn()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(10):
        fn()
    prof.disable()
    calls = sum(v[1] for v in pstats.Stats(prof).stats.values()) / 10   # type: ignore[attr-defined]
    per, cpus = max(1, n // rounds), []
    for _ in range(rounds):
        t0 = time.thread_time()
        for _ in range(per):
            fn()
        cpus.append((time.thread_time() - t0) / per)
    cpus.sort()
    return {"calls": calls, "thread_best": 1000 * cpus[0], "thread_median": 1000 * cpus[len(cpus) // 2]}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, default=200, help="requests per page and patient (default 200)")
    p.add_argument("--patients", type=int, default=6, help="patients, the demo cast first (default 6)")
    p.add_argument("--weeks", type=int, default=9, help="weeks of history (default 9)")
    p.add_argument("--rounds", type=int, default=5, help="the n requests in this many rounds (default 5)")
    p.add_argument("--sql", action="store_true", help="list the statements of one request of each page")
    p.add_argument("--profile", action="store_true", help="cProfile top-N of the home page's work (one thread)")
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--profile-page", default="/", help="the page --profile looks at: / or lesson (default /)")
    p.add_argument("--dump", type=Path, help="write each page's HTML here (CSRF tokens masked), to diff two versions")
    args = p.parse_args(argv)

    from fastapi.testclient import TestClient

    from app import clock, web
    from app.security import sessions
    from bench.datasets import lesson_paths

    with tempfile.TemporaryDirectory(prefix="icbt-home-profile-") as tmp:
        url, keys = h.sqlite_url(Path(tmp) / "icbt.db"), Path(tmp) / "keys.json"
        h.migrate(url)
        with h.app_settings(url, keys) as db, clock.frozen(NOW):
            t = time.monotonic()
            ids = _build(db, args.patients, args.weeks)
            h.log(f"{args.patients} patients x {args.weeks} weeks written through the services in "
                  f"{time.monotonic() - t:.0f} s")
            from app.main import create_app
            app = create_app(run_worker=False)
            web.env.auto_reload = False           # as in production: templates read once
            tokens = h.make_tokens(db, ids, "cookie")
            rows = []
            with TestClient(app) as client:
                rows.append(("-", "/healthz (reference: the stack)", _measure(client, "/healthz", args.n, args.rounds, db.engine)))
                for i, (pid, token) in enumerate(zip(ids, tokens, strict=True)):
                    client.cookies.set(sessions.COOKIE_NAME, token)
                    lesson = lesson_paths(db, [pid])[0]
                    for name, path in (("home /", "/"), ("lesson " + lesson, lesson)):
                        if args.dump:
                            args.dump.mkdir(parents=True, exist_ok=True)
                            html = re.sub(r'(name="csrf_token" value=")[^"]*', r"\1-", client.get(path).text)
                            (args.dump / f"p{i + 1}-{path.strip('/').replace('/', '_') or 'home'}.html").write_text(html)
                        m = _measure(client, path, args.n, args.rounds, db.engine)
                        m.update(_direct_measure(_direct(app, path, token), args.n, args.rounds))
                        rows.append((f"patient {i + 1}", name, m))
                        if args.sql and i == 0:
                            h.log(f"\nStatements of one request of {path}:")
                            for sql, k in _sql_of(client, path, db.engine).most_common():
                                h.log(f"  {k:3d} x {sql}")
            h.log(f"\n{'patient':<10} {'page':<56} {'SQL/req':>7} {'CPU ms/req':>10} {'(median)':>8} {'cs/req':>6}"
                  f" {'trip ms':>7} {'(median)':>8} {'calls/req':>9}")
            for who, name, m in rows:
                h.log(f"{who:<10} {name[:56]:<56} {m['sql']:7.1f} {m['cpu_best']:10.2f} {m['cpu_median']:8.2f} "
                      f"{m['cs']:6.1f} {m.get('thread_best', 0):7.2f} {m.get('thread_median', 0):8.2f} "
                      f"{m.get('calls', 0):9.0f}")
            if args.profile:
                page = lesson_paths(db, [ids[0]])[0] if args.profile_page == "lesson" else args.profile_page
                h.log(f"\ncProfile of {page}, its trip (patient 1, {args.n} times; by cumulative, then own time):")
                h.log(_profile(_direct(app, page, tokens[0]), args.n, args.top))


if __name__ == "__main__":
    main()
