"""Real-browser journeys: Playwright driving Debian's Chromium against a live server.

The server runs in its own process on a free port with its own SQLite file, key ring and
log file, and delivers mail to an SMTP server in this process (aiosmtpd). Screenshots go to
test-artifacts/screenshots/<test name>/, printed at the end of the run."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
#: expect() retries for this long: generous for a loaded 2-core machine, short enough to fail fast.
EXPECT_TIMEOUT_MS = 10_000
PASSWORD = "correct horse battery staple"


def pytest_configure(config):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _chromium_available() -> None:
    if not Path(CHROMIUM).exists():
        msg = f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- SMTP


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)   # each message as received, byte for byte
    port: int = 0
    controller: object = None

    def to(self, address: str) -> list[Message]:
        return [m for m in list(self.messages) if address.lower() in (m["To"] or "").lower()]

    def wait_for(self, address: str, timeout: float = 20.0, count: int = 1) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no e-mail to {address} within {timeout}s (have: {[m['To'] for m in self.messages]})")


def start_smtp() -> Mailbox:
    from aiosmtpd.controller import Controller

    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            box.raw.append(bytes(envelope.content))
            box.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    port = free_port()
    ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    box.port, box.controller = port, ctl
    return box


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = start_smtp()
    yield box
    box.controller.stop()  # type: ignore[attr-defined]


# ---------------------------------------------------------------- live server


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    dir: Path
    log: Path
    proc: subprocess.Popen | None = None

    def cli(self, *args: str, password: str = PASSWORD) -> str:
        env = {**self.env, "ICBT_NEW_PASSWORD": password}
        r = subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"icbt {' '.join(args)} failed: {r.stderr}"
        return r.stdout

    def start(self) -> None:
        with open(self.log, "ab") as logf:
            # Its own process group, so stop(kill=True) also reaches any uvicorn worker processes.
            self.proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], env=self.env, cwd=ROOT,
                                         stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not answer /healthz within 60 s")

    def stop(self, kill: bool = False) -> None:
        """terminate (graceful: SQLite checkpoints its WAL on the last close), or SIGKILL the
        server's whole process group (nothing gets to run: the WAL stays as it was)."""
        if self.proc and self.proc.poll() is None:
            if kill:
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a shutdown that hangs must not outlive the test run
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
                raise

    def create_user(self, role: str, email: str, name: str | None = None) -> None:
        self.cli("create-user", "--role", role, "--email", email, *(["--name", name] if name else []))

    def assign(self, patient: str, clinician: str) -> None:
        self.cli("assign", "--patient", patient, "--clinician", clinician)


def make_live_server(base: Path, mailbox: Mailbox | None = None, **extra_env: str) -> LiveServer:
    from app.security.crypto import KeyRing

    base.mkdir(parents=True, exist_ok=True)
    keys = base / "keys.json"
    KeyRing.generate().save(keys)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICBT_")}
    env.update({
        "ICBT_ENV": "development",
        "ICBT_DATABASE_URL": f"sqlite:///{base / 'live.db'}",
        "ICBT_KEYS_FILE": str(keys),
        "ICBT_HOST": "127.0.0.1",
        "ICBT_PORT": str(port),
        "ICBT_BASE_URL": f"http://127.0.0.1:{port}",
        "ICBT_WORKER_INTERVAL_SECONDS": "0.5",
        "ICBT_WORKERS": "1",
        "ICBT_ONCALL_EMAILS": "oncall@example.org",
        "ICBT_MAIL_FROM": "icbt@example.org",
    })
    if mailbox is not None:
        env.update({"ICBT_SMTP_HOST": "127.0.0.1", "ICBT_SMTP_PORT": str(mailbox.port),
                    "ICBT_SMTP_STARTTLS": "false"})
    env.update(extra_env)
    return LiveServer(url=f"http://127.0.0.1:{port}", env=env, dir=base, log=base / "server.log")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[LiveServer]:
    server = make_live_server(tmp_path_factory.mktemp("live"), mailbox)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


# ---------------------------------------------------------------- helpers for journeys


class Shots:
    """Numbered screenshots of a journey's key pages."""

    def __init__(self, name: str) -> None:
        self.dir = ARTIFACTS / name
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def __call__(self, page, label: str) -> Path:  # type: ignore[no-untyped-def]
        self.n += 1
        path = self.dir / f"{self.n:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name.replace("[", "-").replace("]", ""))


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if ARTIFACTS.exists() and any(ARTIFACTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {ARTIFACTS}")


class AccessibilityError(AssertionError):
    """axe found serious or critical violations (a class of its own, so that a known product
    bug can be marked xfail(raises=AccessibilityError) without hiding any other failure)."""


def assert_accessible(page, *, context: str = "") -> None:  # type: ignore[no-untyped-def]
    """axe-core: zero serious or critical violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    detail = "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad)
    if bad:
        raise AccessibilityError(f"accessibility violations on {context or page.url}: {detail}")


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


class Journey:
    """One person's way through the app in one browser page.

    Every page the journey reaches must pass `check()` (axe: no serious or critical violation)
    before the next navigation: the page's `framenavigated` events are recorded, and `done()`
    fails naming any page that was reached but never checked (a redirect, a form re-shown...).
    `check(label)` also saves a screenshot of the page."""

    def __init__(self, page, base_url: str, shots: Shots, who: str = "", audit: bool = True) -> None:  # type: ignore[no-untyped-def]
        self.page, self.base_url, self.shots, self.who = page, base_url.rstrip("/"), shots, who
        self.audit = audit  # False only where another gate is under test (the canary scan)
        self.reached: list[str] = []
        self.unchecked: list[str] = []
        self.pending: str | None = None
        self.checked = 0
        page.set_default_timeout(15_000)  # fail in seconds, not half a minute
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:  # type: ignore[no-untyped-def]
        if frame.parent_frame is not None or frame.url == "about:blank":
            return
        if self.reached and frame.url != self.reached[-1] and \
                frame.url.split("#")[0] == self.reached[-1].split("#")[0]:
            return  # a jump to an anchor on the same page
        if self.pending is not None:
            self.unchecked.append(self.pending)
        self.pending = frame.url
        self.reached.append(frame.url)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def goto(self, path: str, label: str | None = None) -> None:
        self.page.goto(self.url(path))
        self.check(label)

    def check(self, label: str | None = None) -> None:
        """The page now shown: accessible (axe), and a screenshot when labelled."""
        if self.audit:
            assert_accessible(self.page, context=f"{self.who} {self.page.url}".strip())
        self.pending = None
        self.checked += 1
        if label:
            self.shots(self.page, f"{self.who}-{label}" if self.who else label)

    def done(self) -> None:
        missed = self.unchecked + ([self.pending] if self.pending else [])
        assert not missed, f"pages reached without an accessibility check: {missed}"


def api_patient(base_url: str, email: str, name: str | None = None) -> httpx.Client:
    """Register a patient through the JSON API; a client signed in with their bearer token
    (for setting up a journey's background quickly; the journeys themselves use the browser)."""
    import httpx

    c = httpx.Client(base_url=base_url, timeout=30)
    body = {"email": email, "password": PASSWORD, "phone": "07911 123456", "consent": True, **({"display_name": name} if name else {})}
    r = c.post("/api/v1/auth/register", json=body)
    assert r.status_code == 202, r.text  # the same answer for every address; the account is ready
    r = c.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return c


def register_patient(page, base_url: str, email: str, name: str = "Alex", journey=None) -> None:  # type: ignore[no-untyped-def]
    """Sign up in the browser, then sign in; with `journey`, every page on the way is checked."""
    if page.url.split("?")[0] != base_url.rstrip("/") + "/register" or "safe=yes" not in page.url:
        page.goto(base_url + "/register?safe=yes")     # the safety question answered (issue 12)
        if journey is not None:
            journey.check()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("What should we call you? (optional)").fill(name)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Your phone number").fill("07911 123456")
    page.get_by_label("Date of birth").fill("1990-04-23")
    page.get_by_label("I have read and agree").check()
    page.get_by_role("button", name="Create my account").click()
    # Registration answers "check your e-mail" for every address (security item 30); with
    # ICBT_CONFIRM_EMAIL off (as here) the new account can sign in at once.
    page.wait_for_url("**/register/check-email")
    if journey is not None:
        journey.check()
    page.goto(base_url + "/login")
    if journey is not None:
        journey.check()
    sign_in(page, base_url, email)


def sign_in(page, base_url: str, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    if page.url.split("?")[0] != base_url.rstrip("/") + "/login":
        page.goto(base_url + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
