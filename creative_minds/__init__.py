"""Creative Minds network manager: partners, projects, collectives, map and stories."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
TEMPLATE_DIR = REPO_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


def _name_constraints() -> None:
    """Indexes, foreign and primary keys get predictable names, so later migrations can drop or
    change them on SQLite and PostgreSQL alike. Set before any model module defines a table (each
    imports this package first). Unique and check constraints are named by hand
    (`uq_<table>_<columns>`, `ck_<table>_<rule>`), which tests/test_migrations.py checks; the five
    unique columns of the first migrations keep the names their database gave them."""
    from sqlmodel import SQLModel

    SQLModel.metadata.naming_convention = {
        "ix": "ix_%(column_0_label)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }


_name_constraints()
