"""The e-mail outbox: messages are written in the change's own transaction; a worker sends them.

Queueing is an INSERT that ignores a repeat of the same key (ON CONFLICT DO NOTHING), so an event
seen twice, or a daily scan run twice or by two instances at once, queues one message.

Sending (`send_due`): a worker claims a batch, marks each message sent as soon as the SMTP server
has accepted it, and gives failures back with a growing wait (one minute, doubling, at most a day)
until `mail_max_attempts`. A claim is a lease: a worker that dies mid-batch leaves its unsent
messages claimed until the lease ends, then any worker takes them over. Claims never overlap:
- PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` inside an UPDATE, so concurrent workers each
  get different rows without waiting for one another;
- SQLite: one writer at a time; each row is claimed by a conditional UPDATE that only succeeds
  while the row is still claimable.

The one gap no outbox can close: if a worker dies after the server accepted a message but before
it was marked sent, the message goes again after the lease. It carries the same Message-ID (made
from its key), so the receiving server or mail client can recognise the repeat.
"""

from __future__ import annotations

import hashlib
import json
import re
import smtplib
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, text, update
from sqlalchemy.dialects import sqlite
from sqlmodel import Session, col, select

from creative_minds.accounts.models import User
from creative_minds.settings import Settings
from creative_minds.timeutil import utcnow
from obligations.models import Delivery, MessageState, NotificationChoice, OutboxMessage, Topic

LEASE = timedelta(minutes=5)
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(days=1)
# Links are written as APP + path; the worker puts in CM_BASE_URL when it sends.
APP = "{app}"
FOOTER = "\n\n--\nCreative Minds network manager\nChoose what you receive: " + APP + "/notifications/choices\n"


# Queueing ---------------------------------------------------------------------------------------


def insert_ignoring_repeats(session: Session, model: type[Any], rows: list[dict[str, Any]], key: str = "key") -> int:
    """INSERT the rows, skipping any whose unique `key` is already there (also one being added at the
    same moment by another transaction). Returns how many were new (RETURNING gives back only those).

    Every writer takes the keys in the same order, so two at once never deadlock. On PostgreSQL the
    rows travel as one JSON parameter (jsonb_to_recordset): a many-row VALUES list with thousands of
    placeholders costs the driver more to prepare than the database to insert."""
    if not rows:
        return 0
    rows = sorted(rows, key=lambda row: row[key])
    table = model.__table__
    connection = session.connection()
    added = 0
    if connection.dialect.name == "postgresql":
        columns = [column for column in table.columns if column.name in rows[0]]
        names = ", ".join(f'"{column.name}"' for column in columns)
        shape = ", ".join(f'"{column.name}" {column.type.compile(dialect=connection.dialect)}' for column in columns)
        by_json = text(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) '
            f'AS given({shape}) ON CONFLICT ("{key}") DO NOTHING RETURNING "{key}"'
        )
        for start in range(0, len(rows), 5000):
            payload = json.dumps(rows[start : start + 5000], default=str)  # dates and times as ISO text
            added += len(connection.execute(by_json, {"rows": payload}).all())
        return added
    statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=[key]).returning(table.c[key])
    for start in range(0, len(rows), 1000):
        added += len(connection.execute(statement, rows[start : start + 1000]).all())
    return added


def choices_of(session: Session, user_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = session.exec(select(NotificationChoice).where(col(NotificationChoice.user_id).in_(ids))).all()
    return {(row.user_id, row.topic): row.delivery for row in rows}


@dataclass
class Mail:
    """One message to write: `key` names the event; the person's id is added to it."""

    key: str
    topic: Topic | str  # a Topic; or "account" for a message the person asked for (no choice applies)
    subject: str
    body: str
    users: list[User] = field(default_factory=list)


def queue(session: Session, mails: Iterable[Mail]) -> int:
    """Write the messages into the outbox, following each person's choice for the topic.
    Returns how many were new (repeats of a key are skipped)."""
    mails = list(mails)
    wanted = choices_of(session, (u.id for m in mails for u in m.users if u.id is not None))
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for mail in mails:
        for user in mail.users:
            if not user.is_active or not user.email:
                continue
            topic = mail.topic.value if isinstance(mail.topic, Topic) else mail.topic
            # Choices are per topic; a message outside the topics (a sign-in link) always goes at once.
            delivery = wanted.get((user.id, topic), Delivery.EMAIL) if isinstance(mail.topic, Topic) else Delivery.EMAIL
            if delivery == Delivery.NONE:
                continue
            rows.append(
                {
                    "key": f"{mail.key}:u{user.id}"[:200],
                    "user_id": user.id,
                    "to_address": user.email,
                    "topic": topic,
                    "subject": " ".join(mail.subject.split())[:200],  # one line: no header can be smuggled in
                    "body": mail.body.rstrip() + FOOTER,
                    "state": (MessageState.DIGEST if delivery == Delivery.DIGEST else MessageState.PENDING).value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "claimed_by": "",
                    "created_at": now,
                    "last_error": "",
                }
            )
    return insert_ignoring_repeats(session, OutboxMessage, rows)


def make_digests(session: Session, *, week_of: str) -> int:
    """Gather each person's held messages into one weekly digest.

    Each held message is taken by a conditional UPDATE (held -> digested) before it goes into a
    digest, so two runs at once never put the same message in two digests."""
    held = session.exec(
        select(OutboxMessage.id, OutboxMessage.user_id, OutboxMessage.to_address)
        .where(OutboxMessage.state == MessageState.DIGEST)
        .order_by(col(OutboxMessage.user_id), col(OutboxMessage.id))
    ).all()
    taken: dict[tuple[int | None, str], list[int]] = {}
    for message_id, user_id, address in held:
        result = session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id, OutboxMessage.state == MessageState.DIGEST)
            .values(state=MessageState.DIGESTED.value)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            taken.setdefault((user_id, address), []).append(message_id)
    rows = []
    now = utcnow()
    for (user_id, address), ids in taken.items():
        messages = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).order_by(col(OutboxMessage.id))
        )
        parts = [f"{m.subject}\n{m.body.split(chr(10) + '--' + chr(10))[0].strip()}" for m in messages]
        rows.append(
            {
                "key": f"digest:{week_of}:u{user_id}:m{ids[0]}",
                "user_id": user_id,
                "to_address": address,
                "topic": "digest",
                "subject": f"Creative Minds: your weekly digest ({len(ids)} items)",
                "body": "\n\n".join(parts) + FOOTER,
                "state": MessageState.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "claimed_by": "",
                "created_at": now,
                "last_error": "",
            }
        )
    return insert_ignoring_repeats(session, OutboxMessage, rows)


# Sending ----------------------------------------------------------------------------------------


def _claimable(now: datetime):
    return or_(
        and_(OutboxMessage.state == MessageState.PENDING, col(OutboxMessage.next_attempt_at) <= now),
        and_(OutboxMessage.state == MessageState.SENDING, col(OutboxMessage.claimed_until) < now),
    )


def claim(engine: Engine, worker: str, *, limit: int, now: datetime | None = None) -> list[OutboxMessage]:
    """Claim up to `limit` messages for this worker (committed at once), oldest first."""
    now = now or utcnow()
    until = now + LEASE
    with Session(engine, expire_on_commit=False) as session:
        if engine.dialect.name == "postgresql":
            rows = session.execute(
                text(
                    "UPDATE outbox_message SET state = 'sending', claimed_by = :worker, claimed_until = :until, "
                    "attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox_message WHERE "
                    "(state = 'pending' AND next_attempt_at <= :now) OR (state = 'sending' AND claimed_until < :now) "
                    "ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED) RETURNING id"
                ),
                {"worker": worker, "until": until, "now": now, "limit": limit},
            )
            ids = [row[0] for row in rows]
        else:
            candidates = session.exec(
                select(OutboxMessage.id).where(_claimable(now)).order_by(col(OutboxMessage.id)).limit(limit)
            ).all()
            ids = []
            for message_id in candidates:
                result = session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id) == message_id, _claimable(now))
                    .values(
                        state=MessageState.SENDING.value,
                        claimed_by=worker,
                        claimed_until=until,
                        attempts=OutboxMessage.attempts + 1,
                    )
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    ids.append(message_id)
        session.commit()
        if not ids:
            return []
        return list(
            session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).order_by(col(OutboxMessage.id)))
        )


def _finish(connection: Connection, message: OutboxMessage, worker: str, **values: Any) -> None:
    """Record what happened to a claimed message (committed at once), only if this worker still holds it."""
    connection.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message.id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.state == MessageState.SENDING,
        )
        .values(claimed_until=None, **values)
    )
    connection.commit()


# A link that signs someone in (an invitation, a password reset) is kept only until it is sent.
SECRET_LINK = re.compile(r"(/accounts/password/)[A-Za-z0-9_-]+")


def without_secret_links(body: str) -> str:
    return SECRET_LINK.sub(r"\1(link removed once sent)", body)


def message_id(key: str, settings: Settings) -> str:
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(" >") or "creative-minds.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def as_email(message: OutboxMessage, settings: Settings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(message.key, settings)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(with_links(message.body, settings))
    return email


def with_links(body: str, settings: Settings) -> str:
    return body.replace(APP, settings.base_url.rstrip("/"))


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed try: 1, 2, 4, 8 ... minutes, at most a day."""
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def open_smtp(settings: Settings) -> smtplib.SMTP:
    assert settings.smtp_host
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    if settings.smtp_starttls:
        smtp.starttls()
    if settings.smtp_username:
        smtp.login(settings.smtp_username, settings.smtp_password or "")
    return smtp


@dataclass
class Report:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def worker_name() -> str:
    import os
    import uuid

    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def send_due(
    engine: Engine,
    settings: Settings,
    *,
    worker: str | None = None,
    batch: int = 50,
    now: datetime | None = None,
    after_each: Callable[[OutboxMessage], None] | None = None,
) -> Report:
    """Send one batch of due messages. Needs CM_SMTP_HOST; without it nothing is claimed."""
    report = Report()
    if not settings.smtp_host:
        return report
    worker = worker or worker_name()
    messages = claim(engine, worker, limit=batch, now=now)
    report.claimed = len(messages)
    if not messages:
        return report
    smtp: smtplib.SMTP | None = None
    connection = engine.connect()
    try:
        for message in messages:
            try:
                email = as_email(message, settings)
            except ValueError as exc:  # a message no mail server would take: give up on it at once
                _finish(connection, message, worker, state=MessageState.FAILED.value, last_error=str(exc)[:500])
                report.failed += 1
                continue
            try:
                if smtp is None:
                    smtp = open_smtp(settings)
                smtp.send_message(email)
            except (smtplib.SMTPException, OSError) as exc:
                if smtp is not None and not isinstance(exc, smtplib.SMTPRecipientsRefused):
                    _quit(smtp)
                    smtp = None
                error = f"{type(exc).__name__}: {exc}"[:500]
                if message.attempts >= settings.mail_max_attempts:
                    _finish(connection, message, worker, state=MessageState.FAILED.value, last_error=error)
                    report.failed += 1
                else:
                    wait = backoff(message.attempts)
                    _finish(
                        connection,
                        message,
                        worker,
                        state=MessageState.PENDING.value,
                        next_attempt_at=(now or utcnow()) + wait,
                        last_error=error,
                    )
                    report.retrying += 1
                continue
            _finish(
                connection,
                message,
                worker,
                state=MessageState.SENT.value,
                sent_at=utcnow(),
                last_error="",
                **({"body": without_secret_links(message.body)} if SECRET_LINK.search(message.body) else {}),
            )
            report.sent += 1
            if after_each is not None:
                after_each(message)
    finally:
        connection.close()
        if smtp is not None:
            _quit(smtp)
    return report


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


# Reading ----------------------------------------------------------------------------------------


def counts(session: Session) -> dict[str, int]:
    from sqlmodel import func

    rows = session.exec(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
    return {state: n for state, n in rows}


def recent(session: Session, *, state: str = "", limit: int = 100) -> list[OutboxMessage]:
    query = select(OutboxMessage)
    if state:
        query = query.where(OutboxMessage.state == state)
    return list(session.exec(query.order_by(col(OutboxMessage.id).desc()).limit(limit)))
