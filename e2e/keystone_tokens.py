"""Keystone's part for the e2e Glances: a paste filter that turns an e2e token into the identity
headers keystonemiddleware's auth_token would set after validating a real token.

Clients that cannot send identity headers themselves (Nova's glance client, the `glance` CLI of
the generated distribute-images.sh) send `X-Auth-Token: e2e-<project: 32 hex>-<role>_<role>...`
(letters, digits, '-' and '_' only: python-glanceclient %-encodes other characters of a token);
the filter replaces every X-Identity-*/X-Roles/X-Project-*/X-User-* header with the ones that
token names. A request without such a token passes unchanged (the `trusted` flavor: the caller
sends the headers). For tests on 127.0.0.1 only.
"""

IDENTITY_PREFIXES = ("HTTP_X_IDENTITY_", "HTTP_X_ROLE", "HTTP_X_PROJECT_", "HTTP_X_TENANT",
                     "HTTP_X_USER", "HTTP_X_SERVICE_")


def token(project, roles):
    """The e2e token of a user of `project` with `roles` (a list)."""
    return f"e2e-{project}-{'_'.join(roles)}"


def parse(tok):
    """An e2e token -> {project, roles, user}, or None when it is not one."""
    parts = tok.split("-")
    if len(parts) != 3 or parts[0] != "e2e" or not parts[1] or not parts[2]:
        return None
    roles = parts[2].split("_")
    return {"project": parts[1], "roles": ",".join(roles), "user": f"e2e-{roles[0]}"}


class TokenFilter:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        ident = parse(environ.get("HTTP_X_AUTH_TOKEN", ""))
        if ident is not None:
            for k in [k for k in environ if k.startswith(IDENTITY_PREFIXES)]:
                del environ[k]
            environ["HTTP_X_IDENTITY_STATUS"] = "Confirmed"
            environ["HTTP_X_PROJECT_ID"] = ident["project"]
            environ["HTTP_X_USER_ID"] = ident["user"]
            environ["HTTP_X_ROLES"] = ident["roles"]
        return self.app(environ, start_response)


def filter_factory(global_conf, **local_conf):
    return TokenFilter
