"""Running activities at known places (shared with the browser tests)."""

from tests.fixtures_activities import PLACES, activities  # noqa: F401
