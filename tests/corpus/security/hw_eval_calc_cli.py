# expect: SEC001
"""A tiny calculator REPL."""


def main():
    while True:
        line = input("> ")
        if line in ("quit", "exit"):
            break
        print(eval(line, {"__builtins__": {}}))


if __name__ == "__main__":
    main()
