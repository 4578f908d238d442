def first():
    pass

def second():
    pass

def run():
    fn = first
    fn()
    other = second
    other()

run()
