"""The fast path for big benchmark datasets: clone patients generated through the services.

Writing 10,000 patients x 52 weeks through the service layer takes hours (see the rate that
`bench/scale.py` prints), so the scale datasets are made in two steps:

1. a set of template patients is generated through the real services (app/demo/generator.py),
   with the monitor running on every entry, alerts, clinician follow-up and so on;
2. each new patient is a copy of one template patient's rows in every table that belongs to
   a patient, with new ids and a new e-mail address, a new random data key, and **every
   encrypted value decrypted and re-encrypted with the same functions the app uses**
   (`crypto.decrypt_with` / `crypto.encrypt_with`, bound by associated data to the new row
   id and the new owner), so a cloned patient reads back through the services exactly like
   a generated one.

Which rows belong to a patient is found from the schema, not from a list of tables: rows
whose `patient_id` (or the model's `__owner_attr__`) is the template patient, then, until
nothing new turns up, rows of other tables with a Uuid column pointing at rows already
taken (alert deliveries, the e-mails about an alert). Every Uuid value that names a copied
row is remapped. Not copied: the audit log (its hash chain would not hold copies),
sign-in sessions, login throttles and reset tokens.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, Uuid, select
from sqlalchemy.engine import Connection

NOT_COPIED = {"audit_events", "audit_head", "auth_sessions", "login_throttle", "password_reset_tokens",
              "users", "data_keys", "alembic_version"}
UUID_RE = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


@dataclass
class TableInfo:
    table: Table
    owner_attr: str
    uuid_cols: list[str]
    enc_cols: list[str]
    unique_str_cols: list[str]
    aad_id_col: str  # the column crypto binds as "row id" (`id`, or the owner for tables keyed by it)


@dataclass
class Template:
    patient_id: uuid.UUID
    email: str
    user_row: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # (table, old aad row id, column) -> plaintext
    plain: dict[tuple[str, Any, str], bytes] = field(default_factory=dict)
    # plaintexts that mention ids or the e-mail address, to rewrite per copy
    mentions: set[tuple[str, Any, str]] = field(default_factory=set)
    ids: set[uuid.UUID] = field(default_factory=set)


def table_infos() -> dict[str, TableInfo]:
    import app.models  # noqa: F401  (every model registered)
    from app.db import Base
    from app.security.crypto import EncryptedBytes

    owners = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        owners[cls.__table__.name] = getattr(cls, "__owner_attr__", "patient_id")
    out = {}
    for name, t in Base.metadata.tables.items():
        uu = [c.name for c in t.columns if isinstance(c.type, Uuid)]
        enc = [c.name for c in t.columns if isinstance(c.type, EncryptedBytes)]
        uniq = [c.name for c in t.columns if c.unique and not isinstance(c.type, Uuid) and not c.primary_key]
        owner = owners.get(name, "patient_id")
        out[name] = TableInfo(t, owner, uu, enc, uniq, "id" if "id" in t.c else owner)
    return out


class Cloner:
    def __init__(self, conn: Connection, ring: Any, progress: Callable[[str], None] = print) -> None:
        self.conn = conn
        self.ring = ring
        self.info = table_infos()
        self.progress = progress
        self._deks: dict[uuid.UUID, bytes] = {}
        self._aes: dict[uuid.UUID, Any] = {}

    # ------------------------------------------------------------ reading a template

    def dek(self, owner: uuid.UUID) -> bytes:
        from app.security import crypto
        if owner not in self._deks:
            t = self.info["data_keys"].table
            row = self.conn.execute(select(t).where(t.c.owner_id == owner)).mappings().one()
            self._deks[owner] = crypto.unwrap_key(self.ring, owner, row["kek_id"], row["wrapped"])
        return self._deks[owner]

    def load_template(self, patient_id: uuid.UUID) -> Template:
        from app.accounts import service as accounts
        from app.security import crypto

        users = self.info["users"].table
        user_row = dict(self.conn.execute(select(users).where(users.c.id == patient_id)).mappings().one())
        email = crypto.decrypt_with(self.dek(patient_id), "users", "email_enc", patient_id, patient_id,
                                    user_row["email_enc"]).decode()
        tpl = Template(patient_id, accounts.normalise_email(email), user_row)
        taken: set[uuid.UUID] = {patient_id}
        frontier = {patient_id}
        while frontier:
            found: set[uuid.UUID] = set()
            for name, ti in self.info.items():
                if name in NOT_COPIED or not ti.uuid_cols:
                    continue
                t = ti.table
                have = {self._key(ti, r) for r in tpl.rows.get(name, [])}
                cond = None
                for c in ti.uuid_cols:
                    clause = t.c[c].in_(list(frontier))
                    cond = clause if cond is None else cond | clause
                for r in self.conn.execute(select(t).where(cond)).mappings():
                    r = dict(r)
                    k = self._key(ti, r)
                    if k in have:
                        continue
                    have.add(k)
                    tpl.rows.setdefault(name, []).append(r)
                    rid = r.get("id")
                    if isinstance(rid, uuid.UUID) and rid not in taken:
                        taken.add(rid)
                        found.add(rid)
            frontier = found
        tpl.ids = taken
        email_b = tpl.email.encode()
        for name, rows in tpl.rows.items():
            ti = self.info[name]
            for r in rows:
                owner = r.get(ti.owner_attr)
                for c in ti.enc_cols:
                    if r[c] is None:
                        continue
                    key = (name, r[ti.aad_id_col], c)
                    pt = crypto.decrypt_with(self.dek(owner), name, c, r[ti.aad_id_col], owner, r[c])
                    tpl.plain[key] = pt
                    if email_b in pt or any(self._as_uuid(m) in taken for m in UUID_RE.findall(pt)):
                        tpl.mentions.add(key)
        return tpl

    @staticmethod
    def _key(ti: TableInfo, r: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(r[c.name] for c in ti.table.primary_key.columns)

    @staticmethod
    def _as_uuid(b: bytes) -> uuid.UUID | None:
        try:
            return uuid.UUID(b.decode())
        except ValueError:
            return None

    # ------------------------------------------------------------ writing copies

    def copy(self, tpl: Template, *, email: str, name: str, n: int,
             out: dict[str, list[dict[str, Any]]]) -> uuid.UUID:
        """Rows of one new patient (a copy of `tpl`) appended to `out` (table -> rows)."""
        import os

        from app.accounts import service as accounts
        from app.security import crypto

        new_pid = uuid.uuid4()
        m: dict[uuid.UUID, uuid.UUID] = {old: uuid.uuid4() for old in tpl.ids}
        m[tpl.patient_id] = new_pid
        new_dek = os.urandom(crypto.KEY_BYTES)
        kek_id, wrapped = crypto.wrap_key(self.ring, new_pid, new_dek)
        out["data_keys"].append({"owner_id": new_pid, "kek_id": kek_id, "wrapped": wrapped})
        u = dict(tpl.user_row)
        u["id"] = new_pid
        u["email_hash"] = accounts.email_index(email)
        u["email_enc"] = crypto.encrypt_with(new_dek, "users", "email_enc", new_pid, new_pid,
                                             accounts.normalise_email(email).encode())
        u["display_name_enc"] = crypto.encrypt_with(new_dek, "users", "display_name_enc", new_pid, new_pid,
                                                    name.encode())
        out["users"].append(u)
        email_old, email_new = tpl.email.encode(), accounts.normalise_email(email).encode()
        for tname, rows in tpl.rows.items():
            ti = self.info[tname]
            for r in rows:
                old_aad_id = r[ti.aad_id_col]
                c = dict(r)
                for col in ti.uuid_cols:
                    v = c[col]
                    if v is not None and v in m:
                        c[col] = m[v]
                for col in ti.unique_str_cols:
                    if c[col] is not None:
                        c[col] = c[col].replace("@", f".c{n}@", 1) if "@" in c[col] else f"{c[col]}.c{n}"
                owner = c.get(ti.owner_attr)
                new_aad_id = c[ti.aad_id_col]
                for col in ti.enc_cols:
                    if c[col] is None:
                        continue
                    key = (tname, old_aad_id, col)
                    pt = tpl.plain[key]
                    if key in tpl.mentions:
                        pt = pt.replace(email_old, email_new)
                        pt = UUID_RE.sub(lambda mm: self._remap(mm.group(0), m), pt)
                    dek = new_dek if owner == new_pid else self.dek(owner)
                    c[col] = crypto.encrypt_with(dek, tname, col, new_aad_id, owner, pt)
                out[tname].append(c)
        return new_pid

    @staticmethod
    def _remap(s: bytes, m: dict[uuid.UUID, uuid.UUID]) -> bytes:
        try:
            u = uuid.UUID(s.decode())
        except ValueError:
            return s
        if u not in m:
            return s
        return (m[u].hex if len(s) == 32 else str(m[u])).encode()

    def insert(self, out: dict[str, list[dict[str, Any]]]) -> int:
        import app.models  # noqa: F401
        from app.db import Base

        n = 0
        order = [t.name for t in Base.metadata.sorted_tables]
        for name in order:
            rows = out.get(name)
            if rows:
                self.conn.execute(self.info[name].table.insert(), rows)
                n += len(rows)
        return n


def clone_patients(db: Any, templates: list[uuid.UUID], count: int, *, email_fmt: str, name_fmt: str,
                   progress: Callable[[str], None] = print, batch: int = 50) -> list[uuid.UUID]:
    """Add `count` patients, copies of `templates` in turn (assigned like their template).
    `email_fmt` / `name_fmt` are formatted with `i` (0-based)."""
    from app.security import crypto

    ring = crypto.get_keyring()
    new_ids: list[uuid.UUID] = []
    t0 = time.monotonic()
    with db.engine.connect() as conn:
        cl = Cloner(conn, ring, progress)
        tpls = []
        for tid in templates:
            tpls.append(cl.load_template(tid))
        rows_per = sum(len(v) for v in tpls[0].rows.values()) if tpls else 0
        progress(f"  read {len(tpls)} template patients ({rows_per:,} rows each, first) in {time.monotonic() - t0:.1f} s")
        conn.commit()
        i = 0
        written = 0
        last = time.monotonic()
        while i < count:
            out: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for _ in range(min(batch, count - i)):
                tpl = tpls[i % len(tpls)]
                new_ids.append(cl.copy(tpl, email=email_fmt.format(i=i), name=name_fmt.format(i=i), n=i, out=out))
                i += 1
            written += cl.insert(out)
            conn.commit()
            if time.monotonic() - last > 5 or i == count:
                last = time.monotonic()
                rate = i / (last - t0)
                progress(f"  cloned {i:,}/{count:,} patients ({written:,} rows, {rate:,.0f} patients/s, "
                         f"~{(count - i) / rate:,.0f} s left)")
    return new_ids
