"""Flask extensions, created unbound here and bound to the app in the factory."""

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from matchmaker.search import Search

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so Alembic can name (and drop) constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
search = Search()


def rate_limit_key() -> str:
    """Who a request counts against: its (valid) API token when it has one, else its address."""
    from matchmaker.api.auth import request_token

    token = request_token()
    return f"token:{token.id}" if token is not None else "addr:" + (request.remote_addr or "unknown")


limiter = Limiter(rate_limit_key)  # limits are declared where they apply (the API blueprint)
