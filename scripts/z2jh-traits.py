"""Writes src/config/z2jh/traits.json: the configurable traits of the Python classes a z2jh
`hub.config` / `hub.extraConfig` may configure, and the authenticator/spawner entry-point names,
read from the installed packages (so "unknown trait" means unknown to the real package).

    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install 'jupyterhub>=5.2,<6' jupyterhub-kubespawner \
        'oauthenticator>=17' jupyterhub-ldapauthenticator jupyterhub-nativeauthenticator mwoauth
    /tmp/tv/bin/python scripts/z2jh-traits.py > src/config/z2jh/traits.json
"""
import importlib
import json
from importlib.metadata import entry_points, version

CLASSES = [
    "jupyterhub.app.JupyterHub",
    "jupyterhub.spawner.Spawner",
    "jupyterhub.spawner.LocalProcessSpawner",
    "jupyterhub.auth.Authenticator",
    "jupyterhub.auth.DummyAuthenticator",
    "jupyterhub.auth.LocalAuthenticator",
    "jupyterhub.proxy.ConfigurableHTTPProxy",
    "jupyterhub.proxy.Proxy",
    "jupyterhub.crypto.CryptKeeper",
    "kubespawner.KubeSpawner",
    "oauthenticator.oauth2.OAuthenticator",
    "oauthenticator.generic.GenericOAuthenticator",
    "oauthenticator.github.GitHubOAuthenticator",
    "oauthenticator.google.GoogleOAuthenticator",
    "oauthenticator.cilogon.CILogonOAuthenticator",
    "oauthenticator.globus.GlobusOAuthenticator",
    "oauthenticator.gitlab.GitLabOAuthenticator",
    "oauthenticator.azuread.AzureAdOAuthenticator",
    "oauthenticator.mediawiki.MWOAuthenticator",
    "oauthenticator.openshift.OpenShiftOAuthenticator",
    "oauthenticator.bitbucket.BitbucketOAuthenticator",
    "oauthenticator.auth0.Auth0OAuthenticator",
    "ldapauthenticator.LDAPAuthenticator",
    "nativeauthenticator.NativeAuthenticator",
]

out = {"generatedFrom": {}, "classes": {}, "entryPoints": {}}
for pkg in ["jupyterhub", "jupyterhub-kubespawner", "oauthenticator", "jupyterhub-ldapauthenticator", "jupyterhub-nativeauthenticator"]:
    out["generatedFrom"][pkg] = version(pkg)
for path in CLASSES:
    module, name = path.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    traits = sorted(cls.class_traits(config=True))
    bases = [b.__name__ for b in cls.__mro__[1:] if hasattr(b, "class_traits")]
    out["classes"][name] = {"module": module, "bases": bases, "traits": traits}
for group in ["jupyterhub.authenticators", "jupyterhub.spawners"]:
    out["entryPoints"][group] = {ep.name: ep.value.replace(":", ".") for ep in entry_points(group=group)}
print(json.dumps(out, indent=1, sort_keys=True))
