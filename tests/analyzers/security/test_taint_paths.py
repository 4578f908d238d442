"""Path, key and constant sensitivity of the taint engine (issue #17): a value assigned
before `break` survives the loop, dead branches of constant conditions stay quiet."""

from __future__ import annotations

from .helpers import rules

FLASK = "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"


def view(body: str) -> str:
    lines = "".join(f"    {line}\n" for line in body.strip("\n").splitlines())
    return FLASK + '@app.get("/run")\ndef run():\n' + lines + '    return "ok"\n'


# ------------------------------------------------------------------------- break in a loop
def test_value_assigned_before_break_reaches_the_code_after_the_loop() -> None:
    source = view(
        """
cmd = "echo"
for item in request.args.getlist("x"):
    if item.startswith("go"):
        cmd = item
        break
os.system(cmd)
"""
    )
    assert "SEC002" in rules(source)


def test_constant_assigned_before_break_stays_quiet() -> None:
    source = view(
        """
cmd = "echo"
for item in request.args.getlist("x"):
    if item.startswith("go"):
        cmd = "ls"
        break
os.system(cmd)
"""
    )
    assert "SEC002" not in rules(source)


def test_while_loop_break_and_else() -> None:
    source = view(
        """
queue = list(request.args.values())
found = "true"
while queue:
    entry = queue.pop()
    if entry:
        found = entry
        break
else:
    found = "false"
os.system(found)
"""
    )
    assert "SEC002" in rules(source)


def test_continue_keeps_what_the_pass_assigned() -> None:
    source = view(
        """
last = "none"
for item in request.args.getlist("x"):
    last = item
    if len(item) > 3:
        continue
os.system("echo " + last)
"""
    )
    assert "SEC002" in rules(source)


# ------------------------------------------------------------------- constant conditions
def test_constant_arithmetic_condition_folds_the_dead_branch() -> None:
    source = view(
        """
num = 86
param = request.args.get("p")
if 7 * 18 + num > 200:
    bar = "This_should_always_happen"
else:
    bar = param
os.system(bar)
"""
    )
    assert "SEC002" not in rules(source)


def test_constant_condition_that_holds_keeps_the_live_branch() -> None:
    source = view(
        """
num = 106
param = request.args.get("p")
if 7 * 18 + num > 200:
    bar = param
else:
    bar = "safe"
os.system(bar)
"""
    )
    assert "SEC002" in rules(source)


def test_elif_chain_after_a_branch_that_surely_runs_is_dead() -> None:
    source = view(
        """
mode = "fast"
param = request.args.get("p")
if mode == "fast":
    bar = "ls"
elif mode == "slow":
    bar = param
else:
    bar = param
os.system(bar)
"""
    )
    assert "SEC002" not in rules(source)


def test_constant_ternary() -> None:
    # (7 * 42) - 86 is 208: the condition never holds
    dead = view('param = request.args.get("p")\nbar = param if (7 * 42) - 86 < 200 else "safe"\nos.system(bar)')
    live = view('param = request.args.get("p")\nbar = "safe" if (7 * 42) - 86 < 200 else param\nos.system(bar)')
    assert "SEC002" not in rules(dead)
    assert "SEC002" in rules(live)


def test_match_on_a_constant_takes_one_case() -> None:
    template = """
param = request.args.get("p")
guess = "ABC"
match guess[{index}]:
    case "A":
        bar = param
    case "B":
        bar = "bob"
    case _:
        bar = param
os.system(bar)
"""
    assert "SEC002" not in rules(view(template.format(index=1)))
    assert "SEC002" in rules(view(template.format(index=0)))
    assert "SEC002" in rules(view(template.format(index=2)))


def test_unknown_condition_keeps_both_branches() -> None:
    source = view(
        """
param = request.args.get("p")
if len(param) > 200:
    bar = "long"
else:
    bar = param
os.system(bar)
"""
    )
    assert "SEC002" in rules(source)


def test_a_value_changed_by_the_loop_is_not_folded() -> None:
    source = view(
        """
attempts = 0
cmd = "true"
for item in request.args.getlist("x"):
    if attempts > 0:
        cmd = item
    attempts = attempts + 1
os.system(cmd)
"""
    )
    assert "SEC002" in rules(source)


# ------------------------------------------------------------------ argv built item by item
SUBPROCESS = "import subprocess\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"


def command_view(body: str) -> str:
    lines = "".join(f"    {line}\n" for line in body.strip("\n").splitlines())
    return SUBPROCESS + '@app.get("/run")\ndef run():\n' + lines + '    return "ok"\n'


def test_argv_built_with_append_sh_c_is_a_shell_command() -> None:
    source = command_view(
        """
argv = []
argv.append("sh")
argv.append("-c")
argv.append("echo " + request.args.get("p"))
subprocess.run(argv)
"""
    )
    assert "SEC002" in rules(source)


def test_argv_built_with_extend_and_bash_lc() -> None:
    source = command_view(
        """
argv = ["/bin/bash"]
argv.extend(["-lc", request.args["script"]])
subprocess.check_output(argv)
"""
    )
    assert "SEC002" in rules(source)


def test_argv_with_input_as_an_argument_of_a_fixed_program_is_safe() -> None:
    source = command_view(
        """
argv = []
argv.append("echo")
argv.append(request.args.get("p"))
subprocess.run(argv)
"""
    )
    assert "SEC002" not in rules(source)


def test_argv_with_a_shell_but_no_script_flag_is_safe() -> None:
    source = command_view(
        """
argv = ["sh"]
argv.append("/opt/scripts/report.sh")
argv.append(request.args.get("p"))
subprocess.run(argv)
"""
    )
    assert "SEC002" not in rules(source)


def test_argv_whose_program_is_input_is_reported() -> None:
    source = command_view(
        """
argv = []
argv.append(request.args.get("tool"))
argv.append("--version")
subprocess.run(argv)
"""
    )
    assert "SEC002" in rules(source)


# --------------------------------------------------------------- per key and per index
def test_dict_safe_key_is_not_tainted_by_its_neighbour() -> None:
    source = view('m = {}\nm["a"] = request.args.get("p")\nm["b"] = "ls"\nos.system(m["b"])')
    assert "SEC002" not in rules(source)


def test_dict_tainted_key_still_reports() -> None:
    source = view('m = {}\nm["a"] = request.args.get("p")\nm["b"] = "ls"\nos.system(m["a"])')
    assert "SEC002" in rules(source)


def test_dict_overwritten_key_no_longer_taints() -> None:
    source = view('m = {}\nm["a"] = request.args.get("p")\nm["a"] = "safe"\nos.system(m["a"])')
    assert "SEC002" not in rules(source)


def test_dict_key_overwritten_on_one_branch_only_still_taints() -> None:
    source = view(
        """
m = {"a": request.args.get("p")}
if request.args.get("safe"):
    m["a"] = "safe"
os.system(m["a"])
"""
    )
    assert "SEC002" in rules(source)


def test_dict_literal_keys_and_get() -> None:
    safe = view('m = {"cmd": "uptime", "user": request.args.get("u")}\nos.system(m.get("cmd", "true"))')
    unsafe = view('m = {"cmd": "uptime", "user": request.args.get("u")}\nos.system(m.get("user", "true"))')
    assert "SEC002" not in rules(safe)
    assert "SEC002" in rules(unsafe)


def test_dict_read_with_an_unknown_key_or_as_a_whole_still_taints() -> None:
    by_key = view('m = {"a": "ls", "b": request.args.get("p")}\nk = request.args.get("k")\nos.system(m[k])')
    whole = view('m = {"a": "ls"}\nm["b"] = request.args.get("p")\nos.system(" ".join(m.values()))')
    assert "SEC002" in rules(by_key)
    assert "SEC002" in rules(whole)


def test_dict_that_came_in_whole_taints_every_key() -> None:
    source = view('m = request.args.to_dict()\nm["x"] = "safe"\nos.system(m["cmd"])')
    assert "SEC002" in rules(source)


CONFIG = "import configparser\n"


def test_configparser_safe_option_is_not_tainted() -> None:
    source = CONFIG + view(
        """
conf = configparser.ConfigParser()
conf.add_section("job")
conf.set("job", "name", request.args.get("p"))
conf.set("job", "command", "uptime")
os.system(conf.get("job", "command"))
"""
    )
    assert "SEC002" not in rules(source)


def test_configparser_option_set_from_input_reports() -> None:
    source = CONFIG + view(
        """
conf = configparser.ConfigParser()
conf.add_section("job")
conf.set("job", "command", request.args.get("p"))
os.system(conf.get("job", "command"))
"""
    )
    assert "SEC002" in rules(source)


def test_list_item_after_pop_0_is_the_safe_one() -> None:
    body = """
items = ["safe"]
items.append(request.args.get("p"))
items.append("moresafe")
items.pop(0)
os.system(items[{index}])
"""
    assert "SEC002" not in rules(view(body.format(index=1)))
    assert "SEC002" in rules(view(body.format(index=0)))


def test_list_changed_in_a_branch_is_not_indexed() -> None:
    source = view(
        """
items = ["safe"]
if request.args.get("first"):
    items.insert(0, request.args.get("p"))
os.system(items[0])
"""
    )
    assert "SEC002" in rules(source)


# ------------------------------------------------------- literals on every path are constant
def test_a_literal_chosen_in_a_loop_is_still_a_constant() -> None:
    source = view(
        """
chosen = "flake8"
for tool in request.args.getlist("tool"):
    if tool.endswith("lint"):
        chosen = "pylint"
        break
os.system(f"{chosen} --version")
"""
    )
    assert "SEC002" not in rules(source)


def test_a_literal_or_input_chosen_in_a_loop_is_not() -> None:
    source = view(
        """
chosen = "flake8"
for tool in request.args.getlist("tool"):
    if tool.endswith("lint"):
        chosen = tool
os.system(f"{chosen} --version")
"""
    )
    assert "SEC002" in rules(source)


def test_dict_entries_holding_literals_build_a_constant_command() -> None:
    source = view(
        """
options = {"target": request.args.get("t", "all"), "jobs": "4"}
options["target"] = "all"
os.system("make -j" + options["jobs"] + " " + options["target"])
"""
    )
    assert "SEC002" not in rules(source)


def test_len_of_a_constant_folds() -> None:
    source = view(
        """
host = request.args.get("h")
fallback = host if len("abc") > 5 else "localhost"
os.system("ping " + fallback)
"""
    )
    assert "SEC002" not in rules(source)
