"""Sending through a real SMTP server (aiosmtpd, in this process): what arrives, retries with
backoff, a worker stopped in the middle of a batch, and two workers at once."""

from __future__ import annotations

import email
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from creative_minds.accounts.models import Role
from creative_minds.timeutil import utcnow
from obligations import outbox
from obligations.models import OutboxMessage, Topic
from tests.conftest import _free_port
from tests.utils import make_user


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.received: list[email.message.Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this by name
        with self.lock:
            self.received.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    @property
    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.received]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    yield inbox, port
    server.stop()


@pytest.fixture
def mail_settings(settings, smtp):
    _, port = smtp
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "mail_from": "Creative Minds <no-reply@cm.example>",
            "base_url": "https://cm.example",
        }
    )


def _queue(db, how_many: int) -> list:
    people = [make_user(db, Role.CHAMPION, email=f"person{i}@example.org") for i in range(how_many)]
    outbox.queue(
        db,
        [
            outbox.Mail(
                key=f"test:{i}",
                topic=Topic.VOTES,
                subject=f"Message {i}",
                body=f"Hello {i}. See {outbox.APP}/rounds/{i}",
                users=[person],
            )
            for i, person in enumerate(people)
        ],
    )
    db.commit()
    return people


def _states(engine) -> list[str]:
    with Session(engine) as session:
        return [m.state for m in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))]


class Killed(BaseException):
    """The worker's process stops dead (as with SIGKILL): nothing of it runs any more."""


class TestSending:
    def test_each_message_arrives_once_plain_with_whole_links_and_its_message_id(self, db, engine, smtp, mail_settings):
        inbox, _ = smtp
        _queue(db, 3)
        report = outbox.send_due(engine, mail_settings)
        assert (report.claimed, report.sent) == (3, 3)
        assert inbox.subjects == ["Message 0", "Message 1", "Message 2"]
        first = inbox.received[0]
        assert first["To"] == "person0@example.org"
        assert first["From"] == "Creative Minds <no-reply@cm.example>"
        body = first.get_payload(decode=True).decode()
        assert "Hello 0. See https://cm.example/rounds/0" in body
        assert "Choose what you receive: https://cm.example/notifications/choices" in body
        assert first["Message-ID"] == outbox.message_id(
            f"test:0:u{db.exec(select(OutboxMessage)).first().user_id}", mail_settings
        )
        assert _states(engine) == ["sent", "sent", "sent"]
        assert outbox.send_due(engine, mail_settings).claimed == 0  # nothing is sent twice

    def test_members_receive_the_two_days_left_message_at_the_smtp_server(self, db, engine, smtp, mail_settings):
        from creative_minds.timeutil import today
        from obligations import service as obligations
        from tests.collectives.conftest import make_network

        inbox, _ = smtp
        net = make_network(db)
        member = net.add_member()
        net.apply("Walking football", 300_000)
        net.round.voting_closes_on = today() + timedelta(days=2)
        db.add(net.round)
        db.commit()
        net.to_voting()
        obligations.remind(db)
        obligations.remind(db)  # a second scan the same day queues nothing more
        db.commit()
        outbox.send_due(engine, mail_settings)
        to_member = [m for m in inbox.received if m["To"] == member.email]
        assert [str(m["Subject"]) for m in to_member] == [
            f"Voting is open: {net.round.name}",
            f"Voting closes in 2 days: {net.round.name}",
        ]
        body = to_member[1].get_payload(decode=True).decode()
        assert f"https://cm.example/rounds/{net.round.id}" in body
        assert "Walking football" not in body  # what the member approved is never in an e-mail
        assert outbox.send_due(engine, mail_settings).claimed == 0

    def test_with_no_smtp_server_nothing_is_claimed_and_messages_wait(self, db, engine, settings):
        _queue(db, 2)
        assert settings.smtp_host is None
        assert outbox.send_due(engine, settings).claimed == 0
        assert _states(engine) == ["pending", "pending"]

    def test_a_server_that_cannot_be_reached_is_tried_again_later_then_given_up(self, db, engine, mail_settings):
        _queue(db, 1)
        unreachable = mail_settings.model_copy(update={"smtp_port": _free_port(), "mail_max_attempts": 2})
        start = utcnow()
        report = outbox.send_due(engine, unreachable, now=start)
        assert (report.retrying, report.failed) == (1, 0)
        with Session(engine) as session:
            message = session.exec(select(OutboxMessage)).one()
        assert (message.state, message.attempts) == ("pending", 1)
        assert message.next_attempt_at == start + timedelta(minutes=1)  # first wait: one minute
        assert "ConnectionRefusedError" in message.last_error
        assert outbox.send_due(engine, unreachable, now=start + timedelta(seconds=30)).claimed == 0  # still waiting
        report = outbox.send_due(engine, unreachable, now=start + timedelta(minutes=1, seconds=1))
        assert report.failed == 1
        assert _states(engine) == ["failed"]

    def test_the_wait_doubles_and_stops_at_a_day(self):
        assert [outbox.backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
        assert outbox.backoff(20) == timedelta(days=1)


class TestStoppedWorker:
    def test_a_worker_stopped_mid_batch_loses_nothing_and_sends_nothing_twice(self, db, engine, smtp, mail_settings):
        inbox, _ = smtp
        _queue(db, 10)
        sent_so_far = []

        def stop_after_four(message):
            sent_so_far.append(message.id)
            if len(sent_so_far) == 4:
                raise Killed

        start = utcnow()
        with pytest.raises(Killed):
            outbox.send_due(engine, mail_settings, worker="first", batch=10, now=start, after_each=stop_after_four)
        assert len(inbox.received) == 4
        assert _states(engine) == ["sent"] * 4 + ["sending"] * 6
        # Another worker leaves the dead one's claim alone while its lease lasts...
        assert outbox.send_due(engine, mail_settings, worker="second", now=start + timedelta(minutes=1)).claimed == 0
        # ...and takes the rest over once it has run out.
        later = start + outbox.LEASE + timedelta(seconds=1)
        report = outbox.send_due(engine, mail_settings, worker="second", batch=10, now=later)
        assert report.sent == 6
        assert sorted(str(m["To"]) for m in inbox.received) == sorted(f"person{i}@example.org" for i in range(10))
        assert len({m["Message-ID"] for m in inbox.received}) == 10
        assert _states(engine) == ["sent"] * 10


class TestSeveralWorkers:
    def test_four_workers_at_once_send_every_message_exactly_once(self, db, engine, smtp, mail_settings):
        inbox, _ = smtp
        _queue(db, 40)
        errors: list[BaseException] = []

        def work(name: str) -> None:
            try:
                while outbox.send_due(engine, mail_settings, worker=name, batch=3).claimed:
                    pass
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        addresses = sorted(str(m["To"]) for m in inbox.received)
        assert addresses == sorted(f"person{i}@example.org" for i in range(40))
        assert _states(engine) == ["sent"] * 40


class TestCommandLine:
    def _env(self, settings, **extra) -> dict[str, str]:
        env = {"DATABASE_URL": settings.database_url, "DATABASE_SCHEMA": settings.database_schema or ""}
        return {**env, **{k: str(v) for k, v in extra.items()}}

    def test_remind_twice_then_the_worker_once_delivers_each_reminder_once(self, db, engine, settings, smtp):
        from click.testing import CliRunner

        from creative_minds.cli import main
        from creative_minds.timeutil import today
        from tests.utils import make_partner

        inbox, port = smtp
        coordinator = make_user(db, email="coord@example.org")
        partner = make_partner(db, coordinator, insurance_expires_on=(today() + timedelta(days=14)).isoformat())
        make_user(db, Role.PARTNER, partner_id=partner.id, email="group@example.org")
        runner = CliRunner()
        first = runner.invoke(main, ["remind"], env=self._env(settings))
        second = runner.invoke(main, ["remind"], env=self._env(settings))
        assert first.exit_code == 0, first.output
        assert "messages queued: 1" in first.output
        assert "Obligations added: 0, closed: 0; messages queued: 0" in second.output
        sent = runner.invoke(
            main, ["worker", "--once"], env=self._env(settings, CM_SMTP_HOST="127.0.0.1", CM_SMTP_PORT=port)
        )
        assert sent.exit_code == 0, sent.output
        assert [(str(m["To"]), str(m["Subject"])) for m in inbox.received] == [
            ("group@example.org", "Insurance renewal due in 14 days")
        ]

    def test_the_worker_says_so_when_no_smtp_server_is_set(self, settings):
        from click.testing import CliRunner

        from creative_minds.cli import main

        result = CliRunner().invoke(main, ["worker", "--once"], env=self._env(settings, CM_SMTP_HOST=""))
        assert result.exit_code == 0
        assert "No SMTP server is set" in result.output


class TestOddInput:
    def test_a_subject_with_line_breaks_is_sent_on_one_line(self, db, engine, smtp, mail_settings):
        inbox, _ = smtp
        person = make_user(db, Role.CHAMPION, email="one@example.org")
        outbox.queue(
            db,
            [
                outbox.Mail(
                    key="odd",
                    topic=Topic.VOTES,
                    subject="Voting is open: Spring\r\nBcc: someone@example.org",
                    body="Hello.",
                    users=[person],
                )
            ],
        )
        db.commit()
        assert outbox.send_due(engine, mail_settings).sent == 1
        [arrived] = inbox.received
        assert arrived["Subject"] == "Voting is open: Spring Bcc: someone@example.org"
        assert arrived["Bcc"] is None
