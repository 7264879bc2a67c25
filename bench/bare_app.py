"""The bare stack, measured in the same run as the real app so that ratios mean something.

A tiny FastAPI app with the same server settings as the real one (uvicorn, uvloop,
httptools, no access log) and three endpoints:

- `GET /healthz`  async JSON, no database: the floor of the stack.
- `POST /insert`  AES-256-GCM encrypt 500 bytes, then insert the row into SQLite (WAL,
                  synchronous=NORMAL, the same pragmas as app/db.py), with writers serialised
                  by an flock shared by every worker: "a bare encrypted insert".
- `GET /page`     render a Jinja2 page of about the size of a real patient page, no database:
                  "a bare Jinja2 page".

Run with `BARE_DB=/path/to/file.db uvicorn bench.bare_app:app`.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
DB_PATH = Path(os.environ.get("BARE_DB", HERE / "results" / "bare.db"))
LOCK_PATH = DB_PATH.with_name(DB_PATH.name + ".lock")
KEY = AESGCM.generate_key(bit_length=256)
PAYLOAD = os.urandom(500)

templates = Jinja2Templates(directory=str(HERE / "templates"))
_local = threading.local()


def _conn() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DB_PATH, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA synchronous=NORMAL")
        _local.conn = conn
    return conn


def init_db() -> None:
    DB_PATH.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(DB_PATH)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS items (id BLOB PRIMARY KEY, owner BLOB NOT NULL, "
                 "body BLOB NOT NULL, created_at TEXT DEFAULT CURRENT_TIMESTAMP)")
    conn.commit()
    conn.close()


app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/insert", status_code=201)
def insert() -> dict[str, str]:
    row_id, owner = uuid.uuid4(), uuid.uuid4()
    nonce = os.urandom(12)
    aad = f"bare|items|body|{row_id}|{owner}".encode()
    body = b"\x01" + nonce + AESGCM(KEY).encrypt(nonce, PAYLOAD, aad)
    conn = _conn()
    fd = os.open(LOCK_PATH, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO items (id, owner, body) VALUES (?, ?, ?)", (row_id.bytes, owner.bytes, body))
        conn.execute("COMMIT")
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return {"id": str(row_id)}


ROWS = [{"when": f"{d} March", "mood": (d * 7) % 11, "note": f"Walked to the park, day {d}"} for d in range(1, 8)]


@app.get("/page", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "bare.html", {"name": "Alex", "rows": ROWS, "streak": 5})


init_db()
