"""The application factory: the only place that wires controllers, plugins and stores."""

from __future__ import annotations

import gc

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin, SQLAlchemySyncConfig
from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.flash import FlashConfig, FlashPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.registry import StoreRegistry

from creative_minds import STATIC_DIR
from creative_minds.apidocs import LocalSwaggerRenderPlugin
from creative_minds.audit.middleware import ClientAddressMiddleware
from creative_minds.auth import SessionConfig, SessionUserMiddleware
from creative_minds.cache import PageCache
from creative_minds.db import import_models, make_engine, make_session_maker
from creative_minds.errors import EXCEPTION_HANDLERS
from creative_minds.input_guard import InputGuardMiddleware
from creative_minds.keys import ensure_secret_key
from creative_minds.security_headers import NonceMiddleware, SecurityHeaders
from creative_minds.settings import Settings
from creative_minds.store import make_store
from creative_minds.transactions import TransactionMiddleware, closing_handler
from creative_minds.web import make_template_config

PUBLIC_PATHS = ["/static", "/schema"]
CSRF_FREE_PATHS = ["^/openreferral", "^/static/"]


def _is_form_post(request) -> bool:
    return request.method == "POST"


def _proxy_middleware(settings: Settings) -> list[DefineMiddleware]:
    """Believe X-Forwarded-For only from the proxies named in CM_TRUSTED_PROXIES (none by default)."""
    if not settings.trusted_proxies:
        return []
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    return [DefineMiddleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)]


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    import_models()
    from activities.controller import ActivitiesController
    from activities.oruk_controller import OpenReferralController
    from collectives.applications.controller import ApplicationsController
    from collectives.funds.controller import FundsController
    from collectives.involvement.controller import InvolvementController
    from collectives.membership.controller import CollectivesController, JoinController
    from collectives.rounds.controller import RoundsController
    from connections.controller import ConnectionsController
    from creative_minds.accounts.controller import AccountController, LoginController, PasswordLinkController
    from creative_minds.audit.controller import AuditController
    from creative_minds.home import HomeController
    from obligations.controller import NotificationsController, ObligationsController
    from partners.api import PartnerApiController
    from partners.controller import PartnerController, RegistrationController
    from projects.api import ProjectApiController
    from projects.controller import ProjectController
    from stories.participants.controller import ParticipantsController
    from stories.publishing.controller import StoriesController
    from stories.reports.controller import ReportsController
    from transfers.api import RoundsApiController
    from transfers.controller import ImportController
    from transfers.export_controller import ExportController

    engine = make_engine(settings)
    db_config = SQLAlchemySyncConfig(
        engine_instance=engine,
        session_maker=make_session_maker(engine),
        # Commits happen in TransactionMiddleware; the plugin only closes the session.
        create_all=False,
    )
    db_config.before_send_handler = closing_handler(db_config)
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
    # Registration and asking to join sit on their own router so only they are rate-limited per
    # address; sign-in counts only failures, per address and per account (accounts/throttle.py).
    throttled = Router(
        path="/",
        route_handlers=[RegistrationController, JoinController],
        middleware=[rate_limit.middleware],
    )
    stores = StoreRegistry(
        stores={"sessions": make_store(db_config, "sessions"), "rate_limit": make_store(db_config, "rate_limit")}
    )
    app = Litestar(
        route_handlers=[
            HomeController,
            throttled,
            LoginController,
            AccountController,
            PasswordLinkController,
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
            AuditController,
            InvolvementController,
            ObligationsController,
            NotificationsController,
            ConnectionsController,
            ImportController,
            ExportController,
            RoundsApiController,
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
        ],
        plugins=[
            SQLAlchemyPlugin(config=db_config),
            HTMXPlugin(),
            FlashPlugin(config=FlashConfig(template_config=template_config)),
        ],
        # Outermost first. The transaction commits before the session is stored (see transactions.py).
        middleware=[
            DefineMiddleware(NonceMiddleware),
            DefineMiddleware(InputGuardMiddleware),
            *_proxy_middleware(settings),
            DefineMiddleware(ClientAddressMiddleware),
            session_config.middleware,
            DefineMiddleware(SessionUserMiddleware, exclude=PUBLIC_PATHS),
            DefineMiddleware(TransactionMiddleware, db_config=db_config),
        ],
        # Open, read-only feeds and static files set no cookies (nothing is posted to them).
        csrf_config=CSRFConfig(
            secret=secret, cookie_secure=settings.secure_cookies, cookie_samesite="lax", exclude=CSRF_FREE_PATHS
        ),
        template_config=template_config,
        stores=stores,
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Creative Minds network manager API",
            version="1.0.0",
            path="/schema",
            render_plugins=[LocalSwaggerRenderPlugin()],
        ),
        before_send=[SecurityHeaders(settings).before_send],
        debug=settings.debug,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.page_cache = PageCache(settings.page_cache_mb * 1024 * 1024)
    # Everything made so far (modules, routes, templates) lives as long as the process: move it out of
    # the garbage collector's sight, so collections during a request walk only that request's objects.
    gc.freeze()
    return app
