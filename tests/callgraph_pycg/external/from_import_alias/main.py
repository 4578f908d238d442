from ext import helper as h

def run():
    h()

run()
