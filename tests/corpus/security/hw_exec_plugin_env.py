# expect: SEC001
import sys


def run_hook(argv):
    hook = argv[1]
    exec(open(hook).read())


run_hook(sys.argv)
