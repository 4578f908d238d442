def main():
    import util
    from util import other
    util.greet()
    other()
