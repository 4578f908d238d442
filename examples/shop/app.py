"""A small web shop with the kinds of problems Codie finds."""

import subprocess


def load_settings(path, defaults={}):
    assert path.endswith(".ini"), "settings must be an .ini file"
    try:
        with open(path) as fh:
            return fh.read()
    except:
        return defaults


def apply_discount(expression):
    return eval(expression)
    print("applied")


def archive(name):
    subprocess.run("tar czf backup.tgz " + name, shell=True)


if __name__ == "__main__":
    print(apply_discount(input("discount expression: ")))
