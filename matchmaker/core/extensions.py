"""Flask extensions, created unbound here and bound to the app in the factory.

The bottom floor: this module imports nothing of ours, so anything may import it.
"""

from typing import TYPE_CHECKING, ClassVar

from flask import current_app, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base every model subclasses, with a naming convention so Alembic can name (and
    drop) constraints.

    Models subclass this class, not ``db.Model``: a type checker cannot follow a base class that
    is an instance attribute, and Flask-SQLAlchemy builds ``db.Model`` from this class's own
    metadata and registry, so both are the same mapping (every model declares its
    ``__tablename__``; ``Model.query`` is not used — queries go through ``db.session``).
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:  # every model declares __tablename__, so each maps a Table (not any FromClause)
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def rate_limit_key() -> str:
    """Who a request counts against: the identity the app registered as RATE_LIMIT_IDENTITY (the
    API's valid token), else the client's address."""
    identify = current_app.extensions.get("rate_limit_identity")
    identity = identify() if identify is not None else None
    return identity or "addr:" + (request.remote_addr or "unknown")


limiter = Limiter(rate_limit_key)  # limits are declared where they apply (the API blueprint)
