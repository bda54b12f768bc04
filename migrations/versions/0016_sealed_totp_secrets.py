"""sealed second-factor secrets: users.totp_secret holds a Fernet token, not the secret

Existing secrets are sealed in place with the key derived from the SECRET_KEY the migration
runs with (the same the app runs with: it also stores the row-level security key). The column
grows to 255 characters; on SQLite by adding, filling and renaming a column (SQLite's own
ALTER TABLE, 3.35 or later), never by rebuilding the users table, whose drop would cascade.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

users = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))


def _rows() -> list[tuple[int, str]]:
    query = sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None))
    return [(row.id, row.totp_secret) for row in op.get_bind().execute(query)]


def _write(user_id: int, value: str) -> None:
    op.get_bind().execute(users.update().where(users.c.id == user_id).values(totp_secret=value))


def _resize(length: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE users ADD COLUMN totp_resized VARCHAR({length})")
        op.execute("UPDATE users SET totp_resized = totp_secret")
        op.execute("ALTER TABLE users DROP COLUMN totp_secret")
        op.execute("ALTER TABLE users RENAME COLUMN totp_resized TO totp_secret")
    else:
        op.alter_column("users", "totp_secret", type_=sa.String(length), existing_nullable=True)


def upgrade() -> None:
    from saas.auth.sealing import Unsealable, seal, unseal

    _resize(255)
    for user_id, value in _rows():
        try:
            unseal(value)  # sealed already (a repeated run)
        except Unsealable:
            _write(user_id, seal(value))


def downgrade() -> None:
    from saas.auth.sealing import unseal

    for user_id, value in _rows():
        _write(user_id, unseal(value))
    _resize(64)
