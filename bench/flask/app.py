"""Flask-Security-Too 5.9.2 peer for bench/run.sh: the same endpoints as the portcullis bench
server, configured the same way (argon2, trackable, SPA CSRF setup, token max age 2 h).

    BENCH_DB=DB python app.py seed USERS   # bench@example.com (admin) + USERS users in all
    BENCH_DB=DB gunicorn -w 2 -b 127.0.0.1:PORT app:app
"""

import os
import sys

from flask import Flask, jsonify
from flask_security import (
    Security,
    SQLAlchemyUserDatastore,
    auth_required,
    current_user,
    hash_password,
    roles_required,
)
from flask_security.models import fsqla_v3 as fsqla
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

BENCH_EMAIL = "bench@example.com"
BENCH_PASSWORD = "bench password 1"

app = Flask(__name__)
app.config.update(
    SECRET_KEY="bench-secret-key",
    SECURITY_PASSWORD_SALT="bench-password-salt",
    SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.abspath(os.environ.get("BENCH_DB", "fs-bench.db")),
    SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
    SECURITY_TRACKABLE=True,
    SECURITY_TOKEN_MAX_AGE=7200,
    SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS=True,
    SECURITY_CSRF_PROTECT_MECHANISMS=["session", "basic"],
    WTF_CSRF_CHECK_DEFAULT=False,
    SECURITY_SEND_REGISTER_EMAIL=False,
)
db = SQLAlchemy(app)
fsqla.FsModels.set_db_info(db)


class Role(db.Model, fsqla.FsRoleMixin):
    pass


class User(db.Model, fsqla.FsUserMixin):
    pass


CSRFProtect(app)
datastore = SQLAlchemyUserDatastore(db, User, Role)
security = Security(app, datastore)


@app.get("/api/public")
def public():
    return jsonify(ok=True, public=True)


@app.get("/api/protected")
@auth_required("token", "session")
def protected():
    return jsonify(ok=True, email=current_user.email)


@app.get("/api/admin")
@auth_required("token", "session")
@roles_required("admin")
def admin():
    return jsonify(ok=True, email=current_user.email, role="admin")


@app.get("/auth/check")
@auth_required("token", "session")
@roles_required("admin")
def auth_check():
    """The forward-auth endpoint an application would add to Flask-Security."""
    roles = ",".join(r.name for r in current_user.roles)
    resp = jsonify(ok=True, email=current_user.email)
    resp.headers["X-Auth-User"] = current_user.email
    resp.headers["X-Auth-User-Id"] = current_user.fs_uniquifier
    resp.headers["X-Auth-Roles"] = roles
    return resp


def seed(users):
    with app.app_context():
        db.create_all()
        admin = datastore.find_or_create_role("admin", permissions={"read", "write"})
        if not datastore.find_user(email=BENCH_EMAIL):
            import datetime

            u = datastore.create_user(
                email=BENCH_EMAIL,
                password=hash_password(BENCH_PASSWORD),
                confirmed_at=datetime.datetime.utcnow(),
            )
            datastore.add_role_to_user(u, admin)
        db.session.commit()
        pw = datastore.find_user(email=BENCH_EMAIL).password
        have = User.query.count()
        for i in range(have, users):
            datastore.create_user(email=f"user{i}@example.com", password=pw)
            if i % 1000 == 0:
                db.session.commit()
        db.session.commit()
        print(User.query.count())


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "seed":
        seed(int(sys.argv[2]))
    else:
        print(__doc__)
