def make_greeter(name):
    def greet():
        return format_name(name)
    return greet


def format_name(name):
    return name


def main():
    g = make_greeter("x")
    g()
