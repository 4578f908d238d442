def tool():
    other()

def other():
    pass
