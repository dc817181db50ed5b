"""One-time form tokens: the same form sent twice, even at the same moment, makes one thing."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from creative_minds import once
from creative_minds.timeutil import utcnow

TOKEN = "a" * 32


def test_second_send_is_told_where_the_first_result_is(engine):
    with Session(engine) as first:
        assert once.claim(first, TOKEN, user_id=7) is None
        once.done(first, TOKEN, "/projects/12")
        first.commit()
    with Session(engine) as second:
        assert once.claim(second, TOKEN, user_id=7) == "/projects/12"
        # Someone else sending the same token is shown nothing of the first person's.
        assert once.claim(second, TOKEN, user_id=8) == ""


def test_a_send_that_failed_leaves_the_token_free(engine):
    with Session(engine) as first:
        assert once.claim(first, TOKEN, user_id=7) is None
        first.rollback()
    with Session(engine) as second:
        assert once.claim(second, TOKEN, user_id=7) is None


def test_two_sends_at_the_same_moment_make_one(engine):
    """The second send waits for the first one's transaction, then sees its result."""
    answers: list[str | None] = []
    with Session(engine) as first:
        assert once.claim(first, TOKEN, user_id=7) is None

        def second_send() -> None:
            with Session(engine) as second:
                answers.append(once.claim(second, TOKEN, user_id=7))
                second.commit()

        thread = threading.Thread(target=second_send)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # waiting for the first send to finish
        once.done(first, TOKEN, "/funds")
        first.commit()
        thread.join(30)
    assert answers == ["/funds"]


def test_missing_or_odd_tokens_are_not_claimed(engine):
    assert once.token_from({}) is None
    assert once.token_from({"form_once": "short"}) is None
    assert once.token_from({"form_once": "x" * 20 + "'; drop"}) is None
    assert once.token_from({"form_once": ["b" * 32]}) == "b" * 32
    with Session(engine) as session:
        assert once.claim(session, None, user_id=1) is None


def test_old_tokens_are_purged(engine):
    with Session(engine) as session:
        once.claim(session, TOKEN, user_id=7)
        session.commit()
        assert once.purge(session, now=utcnow() + timedelta(days=1)) == 0
        assert once.purge(session, now=utcnow() + once.KEEP_FOR + timedelta(minutes=1)) == 1
        session.commit()


def test_the_same_answers_within_an_hour_are_the_same_send(engine):
    answers = {"title": "Pottery  for Calm", "categories": ["pottery", "arts"], "form_once": "a" * 32}
    key = once.answers_key(answers, user_id=7, path="/projects/new")
    assert key == once.answers_key(
        {"categories": ["arts", "pottery"], "title": "Pottery for Calm ", "form_once": "b" * 32},
        user_id=7,
        path="/projects/new",
    )
    assert key != once.answers_key(answers, user_id=8, path="/projects/new")
    assert key != once.answers_key({**answers, "title": "Other"}, user_id=7, path="/projects/new")
    with Session(engine) as session:
        assert once.claim_answers(session, key, user_id=7) is None
        once.done(session, key, "/projects/3")
        session.commit()
        assert once.claim_answers(session, key, user_id=7) == "/projects/3"
        session.execute(
            sa.update(once.FormSubmission).values(made_at=utcnow() - once.SAME_ANSWERS_WITHIN - timedelta(minutes=1))
        )
        assert once.claim_answers(session, key, user_id=7) is None  # an hour later it is a new send
        session.commit()
