"""factory-boy factories bound to the test session."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from gridsvc.accounts.models import User
from gridsvc.accounts.passwords import hash_password
from gridsvc.extensions import db

PASSWORD = "correct-horse-battery"
# Hashing once keeps hundreds of users cheap; argon2 is slow on purpose.
_PASSWORD_HASH = hash_password(PASSWORD)


class UserFactory(SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"

    username = factory.Sequence(lambda n: f"user{n:04d}")
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    role = "grid_worker"
    county_code = factory.LazyAttribute(
        lambda o: o.township_code[:6] if o.township_code else "430302"
    )
    township_code = "430302001"
    password_hash = _PASSWORD_HASH
    active = True
