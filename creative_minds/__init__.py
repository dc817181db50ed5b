"""Creative Minds network manager: partners, projects, collectives, map and stories."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
TEMPLATE_DIR = REPO_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
