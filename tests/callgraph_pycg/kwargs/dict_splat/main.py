def cb():
    pass

def run(fn):
    fn()

run(**{"fn": cb})
