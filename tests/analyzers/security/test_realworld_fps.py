"""False positives seen on popular libraries (issue 14), each next to a true positive that
must still be reported at default settings."""

from __future__ import annotations

from .helpers import rules, run

# -- secrets: only in code, not in docstrings, comments or examples -----------------------


def test_connection_string_in_a_docstring_is_documentation() -> None:
    # httpx/_urls.py documents URL parsing with a userinfo example
    source = '''
        class URL:
            """
            A URL, parsed:

                url = httpx.URL("postgresql://user:s3cr3tpass@db.example.org:5432/app")
                assert url.password == "s3cr3tpass"
            """
        # dsn = "postgresql://admin:hunter22@prod-db/app"
        EXAMPLES = """
        - name: connect
          db: "mysql://root:Tr0ub4dor@10.0.0.2/app"
        """
        '''
    assert "SEC030" not in rules(source)
    assert "SEC030" in rules('DSN = "postgresql://admin:Zq9!rT3wX@prod-db.internal/app"\n')


def test_private_key_in_a_multiline_string_is_still_a_secret() -> None:
    source = 'KEY = """-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"""\n'
    assert "SEC030" in rules(source)


def test_identifier_and_regex_values_are_not_random_secrets() -> None:
    source = """
        BACKEND_SESSION_KEY = "_auth_user_backend"
        MSG_NAMES = {"token": "userauth-gssapi-token"}
        qtoken = '(?:"[^"]+"|[A-Za-z0-9_]+?)'
        """
    assert "SEC030" not in rules(source)
    assert "SEC030" in rules('API_TOKEN = "q8Zr2LmX7vKc4TnW9pHs"\n')


# -- code injection: APIs whose job is to run what they are given ----------------------------


def test_config_loader_executing_a_file_is_not_injection() -> None:
    # Flask's Config.from_pyfile and the PYTHONSTARTUP handling of `flask shell`
    source = """
        import os, types

        class Config(dict):
            def from_pyfile(self, filename, silent=False):
                filename = os.path.join(self.root_path, filename)
                d = types.ModuleType("config")
                d.__file__ = filename
                with open(filename, mode="rb") as config_file:
                    exec(compile(config_file.read(), filename, "exec"), d.__dict__)
                return True

        def shell_command():
            ctx = {}
            startup = os.environ.get("PYTHONSTARTUP")
            if startup and os.path.isfile(startup):
                with open(startup) as f:
                    eval(compile(f.read(), startup, "exec"), ctx)
        """
    assert "SEC001" not in rules(source)


def test_template_the_library_holds_is_not_injection() -> None:
    source = """
        from flask import render_template_string

        ERROR_PAGE = "<h1>{{ code }}</h1>"

        def error_page(code):
            return render_template_string(ERROR_PAGE, code=code)
        """
    assert "SEC001" not in rules(source)


def test_code_injection_from_a_request_still_fires() -> None:
    source = """
        from flask import Flask, request, render_template_string
        app = Flask(__name__)

        @app.route("/calc")
        def calc():
            return str(eval(request.args["expr"]))

        @app.route("/hello")
        def hello():
            return render_template_string("<h1>" + request.args["name"] + "</h1>")
        """
    found = [f for f in run(source) if f.rule_id == "SEC001"]
    assert len(found) == 2


def test_script_named_on_the_command_line_is_still_reported() -> None:
    source = """
        import sys

        def run_hook(argv):
            exec(open(argv[1]).read())

        run_hook(sys.argv)
        """
    assert "SEC001" in rules(source)


# -- command injection: the user's own environment, argv lists without a shell ------------------


def test_pager_from_the_environment_split_with_shlex_is_not_injection() -> None:
    # click's pager: $PAGER split with shlex and run without a shell
    source = """
        import os, shlex, subprocess, sys

        def pipepager(text):
            cmd = os.environ.get("PAGER", "less")
            cmd_parts = shlex.split(cmd)
            c = subprocess.Popen(cmd_parts, shell=False, stdin=subprocess.PIPE)
            c.communicate(text.encode())

        def edit(filename):
            editor = os.environ.get("EDITOR", "vi")
            subprocess.call([editor, filename])

        def restart():
            subprocess.Popen([sys.executable] + sys.argv)
        """
    assert "SEC002" not in rules(source)


def test_shell_command_from_a_request_still_fires() -> None:
    source = """
        import subprocess
        from flask import Flask, request
        app = Flask(__name__)

        @app.route("/ping")
        def ping():
            subprocess.run("ping -c 1 " + request.args["host"], shell=True)
            return "ok"
        """
    assert "SEC002" in rules(source)


# -- TLS: compatibility tables and guarded opt-outs (urllib3) -------------------------------


def test_protocol_tables_and_guarded_opt_outs_are_not_findings() -> None:
    source = """
        import ssl

        _SSL_VERSION_TO_TLS_VERSION = {
            ssl.PROTOCOL_TLSv1: ssl.TLSVersion.TLSv1,
            ssl.PROTOCOL_TLSv1_1: ssl.TLSVersion.TLSv1_1,
        }

        def create_urllib3_context(cert_reqs=None):
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            if cert_reqs == ssl.CERT_NONE:
                context.check_hostname = False
            return context

        def make_context(verified):
            if verified:
                return ssl.create_default_context()
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        """
    found = rules(source)
    assert "SEC027" not in found
    assert "SEC023" not in found


def test_unconditional_tls_weakening_still_fires() -> None:
    source = """
        import ssl

        def connect(sock):
            context = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context.wrap_socket(sock)
        """
    findings = run(source)
    found = [f.rule_id for f in findings]
    assert "SEC027" in found
    assert found.count("SEC023") == 2
    # shown, as a warning: a deliberate setting (scrapy's crawler context), not an injection
    assert {f.severity.value for f in findings if f.rule_id == "SEC023"} == {"warning"}


# -- weak hashes and randomness: the established rule, never names --------------------------


def test_weak_hash_does_not_depend_on_the_function_name() -> None:
    # the substring `test` in a function's name used to silence the finding
    source = """
        import hashlib

        def test_signature(secret_key, body):
            return hashlib.md5(secret_key + body).hexdigest()
        """
    assert "SEC020" in rules(source)


def test_every_weak_hash_is_reported_but_only_security_uses_are_shown() -> None:
    plain = "import hashlib\ndef etag(body):\n    return hashlib.md5(body).hexdigest()\n"
    assert "SEC020" not in rules(plain)
    hidden = [f for f in run(plain, shown=False) if f.rule_id == "SEC020"]
    assert len(hidden) == 1 and hidden[0].confidence < 0.3
    password = "import hashlib\ndef store(password):\n    return hashlib.sha1(password).digest()\n"
    assert "SEC020" in rules(password)


def test_usedforsecurity_false_is_honoured() -> None:
    source = """
        import hashlib

        def session_shard(session_token):
            return hashlib.md5(session_token.encode(), usedforsecurity=False).hexdigest()
        """
    assert not [f for f in run(source, shown=False) if f.rule_id == "SEC020"]


def test_weak_random_shaped_like_a_token_is_shown() -> None:
    source = """
        import random
        import string

        def invite_code():
            return "".join(random.choices(string.ascii_uppercase + string.digits, k=8))
        """
    assert "SEC021" in rules(source)
    dice = "import random\ndef roll():\n    return random.randint(1, 6)\n"
    assert "SEC021" not in rules(dice)
    assert [f for f in run(dice, shown=False) if f.rule_id == "SEC021"]


# -- idioms that are not findings -----------------------------------------------------------


def test_bare_except_that_reraises_is_an_idiom() -> None:
    source = """
        def close(stream):
            try:
                stream.flush()
            except:
                stream.close()
                raise
        """
    assert "Q001" not in rules(source)
    assert "Q001" in rules("try:\n    x()\nexcept:\n    pass\n")


def test_type_narrowing_asserts_are_an_idiom() -> None:
    source = """
        def render(node, parent=None):
            assert isinstance(node, Node)
            assert parent is not None
            assert type(node) is Node and callable(node.visit)
            return node
        """
    assert not [f for f in run(source, shown=False) if f.rule_id == "Q003"]
    # still reported (as information, below the default threshold: on real code most
    # asserts on arguments are internal invariants)
    assert [f for f in run("def pay(amount):\n    assert amount > 0\n", shown=False) if f.rule_id == "Q003"]


def test_yield_after_raise_makes_a_generator() -> None:
    source = """
        def empty():
            raise StopIteration
            yield

        def nothing():
            return
            yield from ()
        """
    assert "Q004" not in rules(source)
    assert "Q004" in rules("def f():\n    raise ValueError()\n    cleanup()\n")


# -- Django: what a view is, and what a template escapes -------------------------------------


def test_django_helper_the_module_calls_is_not_a_view() -> None:
    # django/contrib/flatpages/views.py: the view looks the page up, a helper renders it;
    # the helper's second parameter is the stored page, not a URL capture
    source = """
        from django.http import HttpResponse
        from django.shortcuts import get_object_or_404
        from django.utils.safestring import mark_safe
        from .models import Page

        def page(request, url):
            p = get_object_or_404(Page, url=url)
            return render_page(request, p)

        def render_page(request, p):
            return HttpResponse(mark_safe(p.content))
        """
    assert "SEC005" not in rules(source)
    view = """
        from django.http import HttpResponse
        from django.utils.safestring import mark_safe

        def greet(request, name):
            return HttpResponse(mark_safe("<b>" + name + "</b>"))
        """
    assert "SEC005" in rules(view)


def test_django_function_taking_the_request_without_a_response_is_not_a_view() -> None:
    # django.contrib.auth.login(request, user, backend=None) keeps its own bookkeeping
    source = """
        from django.conf import settings

        def login(request, user, backend=None):
            request.session["_auth_user_id"] = user.pk
            request.session["_auth_user_backend"] = backend
        """
    assert "SEC011" not in rules(source)
    # a view marked as one, or wired in a URLconf, still takes its captures as input
    marked = """
        from django.views.decorators.http import require_POST

        @require_POST
        def remember(request, theme):
            request.session["theme"] = theme
        """
    assert "SEC011" in rules(marked)
    wired = """
        from django.urls import path

        def remember(request, theme):
            request.session["theme"] = theme

        urlpatterns = [path("theme/<str:theme>/", remember)]
        """
    assert "SEC011" in rules(wired)
    # and request data is request data in any function
    helper = """
        from django.conf import settings

        def remember(request):
            request.session["theme"] = request.GET["theme"]
        """
    assert "SEC011" in rules(helper)


def test_django_template_render_escapes_what_it_interpolates() -> None:
    source = """
        from django.http import HttpResponse
        from django.template import loader

        def search(request):
            template = loader.get_template("search.html")
            return HttpResponse(template.render(request.GET.dict(), request))
        """
    assert "SEC005" not in rules(source)
    raw = """
        from django.http import HttpResponse

        def search(request):
            return HttpResponse("<p>" + request.GET["q"] + "</p>")
        """
    assert "SEC005" in rules(raw)


# -- a sink no traced source reaches: the library doing what its caller asks --------------


def test_eval_of_a_parameter_with_no_traced_source_is_hidden_by_default() -> None:
    # an expression evaluator, a REPL, a config loader: `eval(expr)` is their job
    source = """
        def evaluate(expr, namespace):
            return eval(expr, namespace)

        def run_code(code):
            exec(compile(code, "<input>", "exec"), {})
        """
    assert "SEC001" not in rules(source)
    everything = [f for f in run(source, shown=False) if f.rule_id == "SEC001"]
    assert len(everything) == 2  # still there with --min-confidence 0, as warnings
    assert all(f.severity.value == "warning" and f.confidence < 0.3 for f in everything)
    # a traced source keeps its level: request data is an error, input() a warning
    web = """
        from flask import request

        def evaluate():
            return eval(request.args["expr"])
        """
    found = [f for f in run(web) if f.rule_id == "SEC001"]
    assert found and found[0].severity.value == "error"
    assert "SEC001" in rules("x = eval(input())\n")
    # and a pattern unsafe whatever the data is not hidden
    assert "SEC009" in rules("import yaml\n\ndef load(text):\n    return yaml.load(text)\n")
