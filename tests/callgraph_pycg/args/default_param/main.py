def fallback():
    pass

def other():
    pass

def run(fn=fallback):
    fn()

run()
run(other)
