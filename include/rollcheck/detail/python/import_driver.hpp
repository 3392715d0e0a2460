/// \file detail/python/import_driver.hpp
/// The Python program behind check_imports, run with `python -B -c`.
#pragma once

namespace rollcheck::detail {

/// argv[1] is a JSON object: `items` (each {"key", and "module" or
/// "script"}), `limit` (one item's deadline, seconds), `total` (the whole
/// run's), `roots` (the project's import roots) and `removed` (modules the
/// rollback removed). Writes one JSON line per event on a private copy of
/// stdout, while the modules' own output goes to stderr: {"start": key}
/// before an item, then its record.
///
/// The parent imports nothing of the project: it forks a child per item, so
/// what one module does to sys.path, sys.modules, the working directory or
/// the process changes no other's verdict, and start-up is paid once. The
/// child runs in a process group of its own, killed whole when it is done or
/// past its deadline.
///
/// A script whose main is guarded (`if __name__ == "__main__"`) is imported
/// under another name with its own directory first on sys.path, as `python
/// SCRIPT` runs it. One without a guard would run its job when imported: its
/// imports are read with ast and found with importlib's finders, recursively
/// through the project's modules, after only its sys.path set-up (the
/// assignments and sys.path calls made of Path and os.path) is evaluated.
///
/// A missing module is classed by its top-level package's owner: "removed"
/// (listed in `removed`), "project" (found under a project root), "installed"
/// (found elsewhere) or "absent" (nowhere).
inline constexpr const char* import_driver = R"PY(
import ast, importlib, importlib.machinery, importlib.util, json, os, select, signal, sys, sysconfig, time, traceback
channel = os.dup(1)
os.dup2(2, 1)
sys.stdout = sys.stderr
config = json.loads(sys.argv[1])
roots = [os.path.realpath(r) for r in config["roots"]]
removed = config["removed"]
machinery = os.path.dirname(importlib.__file__)
stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"]) + "/"
# A module may break what it imports (json.dumps = None): the child reports
# through the functions as they were before any import.
dumps, write, leave = json.dumps, os.write, os._exit
class ImportDeadline(BaseException):
    pass
def emit(record):
    os.write(channel, (json.dumps(record) + "\n").encode())
def clip(text):
    text = str(text)
    return text if len(text) <= 2000 else text[:2000] + "..."
def inside(path, dirs):
    path = os.path.realpath(path)
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in dirs)
def project_dirs():
    here = os.path.realpath(os.getcwd())
    return roots + [os.path.realpath(p or ".") for p in sys.path if inside(p or ".", roots + [here])]
def locate(top):
    module = sys.modules.get(top)
    if module is not None:
        places = [getattr(module, "__file__", None)] + list(getattr(module, "__path__", []))
        return [p for p in places if p]
    try:
        found = importlib.machinery.PathFinder.find_spec(top)
    except Exception:
        found = None
    if found is None:
        return []
    return [found.origin] if found.origin else list(found.submodule_search_locations or [])
def owner(missing):
    if any(missing == r or missing.startswith(r + ".") for r in removed):
        return "removed"
    top = missing.split(".")[0]
    places = locate(top)
    if not places:
        dirs = project_dirs()
        for d in dirs:
            for name in (top, top + ".py"):
                if os.path.exists(os.path.join(d, name)):
                    return "project"
        return "absent"
    return "project" if any(inside(p, project_dirs()) for p in places) else "installed"
def chain_of(tb):
    links = []
    for frame, line in traceback.walk_tb(tb):
        code = frame.f_code
        if code.co_name == "<module>" and not code.co_filename.startswith("<"):
            links.append({"module": frame.f_globals.get("__name__"), "file": code.co_filename, "line": line})
    return links
def module_file(name, tb):
    found = None
    for frame, _ in traceback.walk_tb(tb):
        if frame.f_globals.get("__name__") == name:
            found = frame.f_globals.get("__file__")
    return found
def failure(e, name=None):
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if not f.filename.startswith(("<", machinery))]
    record = {"ok": False, "type": type(e).__name__, "message": clip(e),
              "chain": chain_of(e.__traceback__),
              "where": "%s:%d" % (frames[-1].filename, frames[-1].lineno) if frames else None}
    if name:
        record["file"] = module_file(name, e.__traceback__)
    if isinstance(e, SyntaxError) and e.filename:
        record["where"] = "%s:%s" % (e.filename, e.lineno)
        record["message"] = clip(e.msg)
    if isinstance(e, ModuleNotFoundError) and e.name:
        record["missing"] = e.name
        record["owner"] = owner(e.name)
    return record
def import_module(name):
    module = importlib.import_module(name)
    places = getattr(module, "__file__", None) or list(getattr(module, "__path__", []))
    return {"ok": True, "file": places}
def is_main_guard(node):
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    sides = [node.test.left] + node.test.comparators
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names and mains)
SAFE_CALLS = {"Path", "PurePath", "str", "parent", "parents", "resolve", "absolute", "joinpath",
              "dirname", "abspath", "realpath", "join", "normpath", "expanduser", "insert",
              "append", "extend", "fspath", "getcwd"}
def safe(node):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in SAFE_CALLS:
                return False
        elif isinstance(sub, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)):
            return False
    return True
PATH_MODULES = {"os", "os.path", "sys", "pathlib"}
def set_up_path(body, scope):
    for node in body:
        try:
            if isinstance(node, ast.Import) and all(a.name in PATH_MODULES for a in node.names):
                exec(compile(ast.Module([node], []), "<path set-up>", "exec"), scope)
            elif isinstance(node, ast.ImportFrom) and node.module in PATH_MODULES and not node.level:
                exec(compile(ast.Module([node], []), "<path set-up>", "exec"), scope)
            elif isinstance(node, (ast.Assign, ast.Expr)) and safe(node):
                exec(compile(ast.Module([node], []), "<path set-up>", "exec"), scope)
            elif isinstance(node, ast.If) and not is_main_guard(node) and safe(node.test):
                set_up_path(node.body if eval(compile(ast.Expression(node.test), "<path set-up>", "eval"), scope) else node.orelse, scope)
        except Exception:
            pass
IMPORT_ERRORS = ("ImportError", "ModuleNotFoundError", "Exception", "BaseException")
def catches_import_error(node):
    for handler in node.handlers:
        caught = handler.type
        names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
        if caught is None or any(getattr(n, "id", None) in IMPORT_ERRORS for n in names):
            return True
    return False
def imports_of(tree, package):
    found = []
    def visit(node, optional):
        for child in ast.iter_child_nodes(node):
            inner = optional or (isinstance(node, ast.Try) and child in node.body and catches_import_error(node))
            if isinstance(child, ast.Import):
                found.extend([(a.name, None, child.lineno, inner) for a in child.names])
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")[:len(package.split(".")) - child.level + 1] if package else []
                    base = ".".join(parts + ([base] if base else []))
                found.extend([(base, a.name, child.lineno, inner) for a in child.names])
            visit(child, inner)
    visit(tree, False)
    return found
def defines(tree, name):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*" or (alias.asname or alias.name).split(".")[0] == name:
                    return True
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name:
            return True
    return False
class StaticResolver:
    def __init__(self):
        self.specs = {}
        self.trees = {}
        self.failures = []
        self.walked = set()
    def find(self, name):
        parent = None
        for i, part in enumerate(name.split(".")):
            full = ".".join(name.split(".")[:i + 1])
            if full not in self.specs:
                if i == 0:
                    found = (importlib.machinery.BuiltinImporter.find_spec(full)
                             or importlib.machinery.FrozenImporter.find_spec(full)
                             or importlib.machinery.PathFinder.find_spec(full))
                else:
                    locations = parent.submodule_search_locations if parent else None
                    found = importlib.machinery.PathFinder.find_spec(full, locations) if locations else None
                self.specs[full] = found
            parent = self.specs[full]
            if parent is None:
                return None, full
            if i == 0 and not self.is_project(parent):
                return parent, None
        return parent, None
    def is_project(self, spec):
        places = [spec.origin] if spec.origin and spec.has_location else list(spec.submodule_search_locations or [])
        return bool(places) and any(inside(p, project_dirs()) for p in places)
    def tree(self, path):
        if path not in self.trees:
            with open(path, "rb") as f:
                self.trees[path] = ast.parse(f.read(), path)
        return self.trees[path]
    def fail(self, record, chain):
        record["chain"] = chain
        self.failures.append(record)
    def walk(self, path, name, package, chain):
        if path in self.walked:
            return
        self.walked.add(path)
        try:
            tree = self.tree(path)
        except SyntaxError as e:
            return self.fail({"type": "SyntaxError", "message": clip(e.msg), "where": "%s:%s" % (e.filename, e.lineno)}, chain)
        for base, attribute, line, optional in imports_of(tree, package):
            link = chain + [{"module": name, "file": path, "line": line}]
            self.resolve(base, attribute, optional, link)
    def resolve(self, base, attribute, optional, link):
        spec, missing = self.find(base)
        if spec is None:
            if not optional:
                self.fail({"type": "ModuleNotFoundError", "message": "No module named %r" % missing,
                           "missing": missing, "owner": owner(missing)}, link)
            return
        if not self.is_project(spec):
            return
        parts = base.split(".")
        for i in range(1, len(parts) + 1):
            step, _ = self.find(".".join(parts[:i]))
            if step is not None and step.origin and step.origin.endswith(".py"):
                package = ".".join(parts[:i]) if step.submodule_search_locations is not None else ".".join(parts[:i - 1])
                self.walk(step.origin, ".".join(parts[:i]), package, link)
        if attribute and attribute != "*" and spec.submodule_search_locations is not None:
            sub, _ = self.find(base + "." + attribute)
            if sub is not None:
                return self.resolve(base + "." + attribute, None, optional, link)
            if spec.origin and spec.origin.endswith(".py") and defines(self.tree(spec.origin), attribute):
                return
            if not optional:
                self.fail({"type": "ImportError", "message": "cannot import name %r from %r" % (attribute, base),
                           "missing": base + "." + attribute, "owner": owner(base + "." + attribute)}, link)
def check_script(path):
    global how
    with open(path, "rb") as f:
        tree = ast.parse(f.read(), path)
    sys.path[0] = os.path.dirname(os.path.realpath(path))
    sys.argv = [path]
    if any(is_main_guard(node) for node in tree.body):
        how = "imported"
        spec = importlib.util.spec_from_file_location("__rollcheck_entry__", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return {"ok": True, "how": how}
    how = "resolved"
    set_up_path(tree.body, {"__file__": path, "__name__": "__rollcheck_entry__", "__builtins__": __builtins__})
    resolver = StaticResolver()
    resolver.walk(path, "__rollcheck_entry__", "", [])
    failures = resolver.failures[:20]
    return {"ok": not failures, "how": how, "failures": failures, "failed": len(resolver.failures)}
def work(item):
    if "script" in item:
        return check_script(item["script"])
    module = importlib.import_module(item["module"])
    places = getattr(module, "__file__", None) or list(getattr(module, "__path__", []))
    return {"ok": True, "file": places}
def on_alarm(signum, frame):
    raise ImportDeadline()
def standard_modules_loaded():
    names = []
    for name, module in list(sys.modules.items()):
        if name in warm or module is None:
            continue
        where = getattr(module, "__file__", None)
        if where and os.path.realpath(where).startswith(stdlib) and "site-packages" not in where:
            names.append(name)
    return names[:300]
def warm_up(names):
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException:
            pass
        warm.add(name)
def in_child(item, limit, out):
    try:
        os.setpgid(0, 0)
        signal.signal(signal.SIGALRM, on_alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                record = work(item)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except ImportDeadline:
            record = {"ok": False, "type": "deadline"}
        except BaseException as e:
            record = failure(e, item.get("module"))
        if how:
            record["how"] = how
        record["stdlib"] = standard_modules_loaded()
        write(out, dumps(record).encode())
    finally:
        leave(0)
def wait_for(pid, seconds):
    end = time.monotonic() + seconds
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        handle = None
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            left = end - time.monotonic()
            if left <= 0:
                return None
            if handle is None:
                time.sleep(min(left, 0.005))
            else:
                select.select([handle], [], [], left)
    finally:
        if handle is not None:
            os.close(handle)
def read_all(fd):
    os.set_blocking(fd, False)
    data = b""
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    except BlockingIOError:
        pass
    os.close(fd)
    return data
def describe(status):
    if os.WIFSIGNALED(status):
        n = os.WTERMSIG(status)
        return "killed by signal %d (%s)" % (n, signal.strsignal(n))
    return "exited with status %d" % os.WEXITSTATUS(status)
def check(item, limit, left):
    readable, out = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(readable)
        in_child(item, limit, out)
    os.close(out)
    status = wait_for(pid, min(limit + 0.25, left))
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    if status is None:
        os.waitpid(pid, 0)
    data = read_all(readable)
    if status is None:
        return {"ok": False, "type": "deadline"}
    try:
        return json.loads(data)
    except ValueError:
        return {"ok": False, "type": "interpreter", "message": describe(status)}
how = None  # in a child: how its script was checked, once that is known
warm = set(sys.modules)
start = time.monotonic()
for item in config["items"]:
    left = config["total"] - (time.monotonic() - start)
    if left <= 0:
        break
    emit({"start": item["key"]})
    record = check(item, min(config["limit"], left), left)
    warm_up(record.pop("stdlib", []))
    record["key"] = item["key"]
    record["cut"] = config["limit"] > left
    emit(record)
)PY";

} // namespace rollcheck::detail
