"""Runs z2jh hub.extraConfig snippets against a recording config object and reports, as JSON on
stdout, the traits each top-level statement set and what could not be applied.

Input (stdin, JSON): {"snippets": [{"name": ..., "code": ...}], "values": {<the values file>}}.
Output: {"snippets": [{"name", "sets": [{"cls", "trait", "value", "line"}], "notes": [{"line", "message"}]}]}
A line "running <name>" goes to stderr before each snippet, so a caller that stops a snippet
which runs too long knows which one it was.

The snippets run with no network (socket creation is refused) and no hub: functions and classes
they define, hooks they assign and imports done for their side effects are reported, not applied.
"""
import ast
import json
import socket
import sys
import types

from traitlets.config import Config
from traitlets.config.loader import LazyConfigValue


def _no_network(*args, **kwargs):
    raise OSError("no network while reading hub.extraConfig")


class _NoNetworkSocket(socket.socket):
    connect = connect_ex = bind = sendto = _no_network


socket.socket = _NoNetworkSocket  # type: ignore[misc]
socket.create_connection = _no_network  # type: ignore[assignment]
socket.getaddrinfo = _no_network  # type: ignore[assignment]

# Modules a snippet may import to compute values, without that being a side effect.
VALUE_MODULES = {
    "os", "os.path", "sys", "json", "re", "time", "datetime", "pathlib", "string", "math",
    "glob", "yaml", "z2jh", "socket", "base64", "hashlib", "textwrap", "copy", "functools",
}


class Unserializable(Exception):
    pass


def plain(value, where=""):
    """A JSON value, or Unserializable naming what it is."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set)):
        return [plain(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v, where) for k, v in value.items()}
    if isinstance(value, LazyConfigValue):
        d = value.to_dict()
        if set(d) <= {"update"}:
            return plain(d.get("update", {}), where)
        if set(d) <= {"extend", "inserts"}:
            return plain(d.get("extend", []), where)
        raise Unserializable("a change to a value nbhub cannot see (prepend/insert)")
    if isinstance(value, (types.FunctionType, types.LambdaType, types.MethodType, types.BuiltinFunctionType)):
        raise Unserializable(f"a function ({getattr(value, '__name__', '?')})")
    if isinstance(value, type):
        raise Unserializable(f"a class ({value.__name__})")
    raise Unserializable(f"a Python {type(value).__name__} object")


def snapshot(c):
    out = {}
    for cls, section in c.items():
        if not isinstance(section, Config):
            continue
        for trait, value in section.items():
            try:
                out[(cls, trait)] = ("ok", json.dumps(plain(value), sort_keys=True))
            except Unserializable as e:
                out[(cls, trait)] = ("bad", str(e), id(value))
    return out


def make_z2jh_module(values):
    mod = types.ModuleType("z2jh")

    def get_config(key, default=None):
        node = values
        for part in key.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return default
        return node

    def set_config_if_not_none(cparent, name, key):
        data = get_config(key)
        if data is not None:
            setattr(cparent, name, data)

    def get_name(name):
        return name

    def get_name_env(name, suffix=""):
        return (name + suffix).upper().replace("-", "_")

    def get_secret_value(key, default="never-set"):
        return default

    mod.get_config = get_config
    mod.set_config_if_not_none = set_config_if_not_none
    mod.get_name = get_name
    mod.get_name_env = get_name_env
    mod.get_secret_value = get_secret_value
    return mod


def statement_notes(stmt):
    """Notes about a statement itself (not about what it set)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [f"defines the function {stmt.name}: nbhub runs no Python at run time; not applied"]
    if isinstance(stmt, ast.ClassDef):
        return [f"defines the class {stmt.name} (e.g. a custom spawner or authenticator): nbhub runs no Python classes; not applied"]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        names = [a.name for a in stmt.names] if isinstance(stmt, ast.Import) else [stmt.module or ""]
        side = [n for n in names if n not in VALUE_MODULES]
        if side:
            return [f"imports {', '.join(side)}: what importing it does in JupyterHub (registering handlers, patching classes) is not applied"]
    return []


def main():
    request = json.load(sys.stdin)
    sys.modules["z2jh"] = make_z2jh_module(request.get("values") or {})
    c = Config()
    namespace = {"c": c, "get_config": lambda: c, "__name__": "__config__"}
    report = []
    for snippet in request["snippets"]:
        name, code = snippet["name"], snippet["code"]
        entry = {"name": name, "sets": [], "notes": []}
        report.append(entry)
        print(f"running {name}", file=sys.stderr, flush=True)
        try:
            tree = ast.parse(code, filename=name)
        except SyntaxError as e:
            entry["notes"].append({"line": e.lineno or 0, "message": f"Python syntax error: {e.msg}; snippet not applied", "error": True})
            continue
        for stmt in tree.body:
            line = stmt.lineno
            for note in statement_notes(stmt):
                entry["notes"].append({"line": line, "message": note})
            before = snapshot(c)
            try:
                exec(compile(ast.Module(body=[stmt], type_ignores=[]), name, "exec"), namespace)
            except Exception as e:  # noqa: BLE001 - any failure of user code is reported
                entry["notes"].append({"line": line, "message": f"raised {type(e).__name__}: {e}; statement not applied"})
                continue
            after = snapshot(c)
            for key, state in after.items():
                if before.get(key) == state:
                    continue
                cls, trait = key
                if state[0] == "bad":
                    entry["notes"].append({"line": line, "message": f"sets c.{cls}.{trait} to {state[1]}: not applied"})
                else:
                    entry["sets"].append({"cls": cls, "trait": trait, "value": json.loads(state[1]), "line": line})
    json.dump({"snippets": report}, sys.stdout)


if __name__ == "__main__":
    main()
