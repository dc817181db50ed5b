"""The application factory: the only place that wires controllers, plugins and stores."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin, SQLAlchemySyncConfig
from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.flash import FlashConfig, FlashPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.registry import StoreRegistry

from creative_minds import STATIC_DIR
from creative_minds.auth import SessionConfig, SessionUserMiddleware
from creative_minds.db import import_models, make_engine, make_session_maker
from creative_minds.errors import EXCEPTION_HANDLERS
from creative_minds.keys import ensure_secret_key
from creative_minds.settings import Settings
from creative_minds.store import make_store
from creative_minds.transactions import TransactionMiddleware
from creative_minds.web import make_template_config

PUBLIC_PATHS = ["/static", "/schema"]


def _is_form_post(request) -> bool:  # type: ignore[no-untyped-def]
    return request.method == "POST"


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    import_models()
    from activities.controller import ActivitiesController
    from activities.oruk_controller import OpenReferralController
    from stories.controller import ParticipantsController
    from stories.reports_controller import ReportsController
    from stories.stories_controller import StoriesController
    from collectives.applications_controller import ApplicationsController
    from collectives.controller import CollectivesController, JoinController
    from collectives.funds_controller import FundsController
    from collectives.rounds_controller import RoundsController
    from creative_minds.accounts.controller import AccountController, LoginController
    from creative_minds.home import HomeController
    from partners.api import PartnerApiController
    from partners.controller import PartnerController, RegistrationController
    from projects.api import ProjectApiController
    from projects.controller import ProjectController

    engine = make_engine(settings)
    db_config = SQLAlchemySyncConfig(
        engine_instance=engine,
        session_maker=make_session_maker(engine),
        # Commits happen in TransactionMiddleware; the plugin only closes the session.
        create_all=False,
    )
    secret = ensure_secret_key(engine, settings)
    template_config = make_template_config()
    session_config = SessionConfig(
        store="sessions",
        max_age=settings.session_max_age_seconds,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.login_attempts_per_minute),
        store="rate_limit",
        check_throttle_handler=_is_form_post,
    )
    # Sign-in and registration sit on their own router so only they are rate-limited.
    throttled = Router(
        path="/",
        route_handlers=[LoginController, RegistrationController, JoinController],
        middleware=[rate_limit.middleware],
    )
    stores = StoreRegistry(
        stores={"sessions": make_store(db_config, "sessions"), "rate_limit": make_store(db_config, "rate_limit")}
    )
    app = Litestar(
        route_handlers=[
            HomeController,
            throttled,
            AccountController,
            PartnerController,
            PartnerApiController,
            ProjectController,
            ProjectApiController,
            CollectivesController,
            ActivitiesController,
            OpenReferralController,
            ParticipantsController,
            StoriesController,
            ReportsController,
            RoundsController,
            ApplicationsController,
            FundsController,
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
        ],
        plugins=[
            SQLAlchemyPlugin(config=db_config),
            HTMXPlugin(),
            FlashPlugin(config=FlashConfig(template_config=template_config)),
        ],
        # Outermost first. The transaction commits before the session is stored (see transactions.py).
        middleware=[
            session_config.middleware,
            DefineMiddleware(SessionUserMiddleware, exclude=PUBLIC_PATHS),
            DefineMiddleware(TransactionMiddleware, session_scope_key=db_config.session_scope_key),
        ],
        csrf_config=CSRFConfig(secret=secret, cookie_secure=settings.secure_cookies, cookie_samesite="lax"),
        template_config=template_config,
        stores=stores,
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Creative Minds network manager API",
            version="1.0.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        debug=settings.debug,
    )
    app.state.engine = engine
    app.state.settings = settings
    return app
